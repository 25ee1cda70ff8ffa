package main

// `srcascade train --set key=value`: any field of the model configuration
// (sr3.Config) or of the training options (train.Options) by its JSON name,
// set by reflection so new fields need no CLI change.

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// setting is one --set KEY=VALUE, as given.
type setting struct {
	Key, Value string
}

// setList is the value of the repeatable --set flag. It is a cli.Generic
// rather than a string slice because urfave/cli splits slice values on
// commas, which list values (channel_mults=1,2,2) contain.
type setList struct {
	items []setting
}

// Set adds one KEY=VALUE.
func (l *setList) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("%q: want KEY=VALUE, e.g. --set base_channels=32", s)
	}
	l.items = append(l.items, setting{Key: key, Value: value})
	return nil
}

// String shows the settings as given (and is empty by default, so --help
// prints no default).
func (l *setList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(l.items))
	for i, s := range l.items {
		parts[i] = s.Key + "=" + s.Value
	}
	return strings.Join(parts, " ")
}

// Settings that --set refuses, with the flag to use instead.
var setRefused = map[string]string{
	"model.version": "the config format version is not a setting",
	"model.scale":   "use -s/--scale",
	"train.out":     "use --out",
	"train.classes": "the class names are the sub-folders of --data",
}

// Key prefixes that say which struct a key belongs to; needed for "steps",
// which both have.
const (
	modelPrefix = "model."
	trainPrefix = "train."
)

// setTarget is a struct --set writes into.
type setTarget struct {
	prefix string
	ptr    any // pointer to the struct
}

// applySettings applies sets, in order, to cfg and opt. A key is a JSON
// field name of sr3.Config or train.Options, qualified as model.KEY or
// train.KEY where both have it. It returns the qualified keys set, in
// order, without repeats.
func applySettings(cfg *sr3.Config, opt *train.Options, sets []setting) ([]string, error) {
	targets := []setTarget{{modelPrefix, cfg}, {trainPrefix, opt}}
	var done []string
	for _, s := range sets {
		key, err := qualifyKey(targets, s.Key)
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			if name, ok := strings.CutPrefix(key, t.prefix); ok {
				if err := setJSONField(t.ptr, name, s.Value); err != nil {
					return nil, fmt.Errorf("--set %s=%s: %w", s.Key, s.Value, err)
				}
			}
		}
		if !slices.Contains(done, key) {
			done = append(done, key)
		}
	}
	return done, nil
}

// qualifyKey returns key as model.KEY or train.KEY, or an error that names
// the valid keys.
func qualifyKey(targets []setTarget, key string) (string, error) {
	var found []string
	for _, t := range targets {
		name, qualified := strings.CutPrefix(key, t.prefix)
		if !qualified && strings.Contains(key, ".") {
			continue
		}
		if slices.Contains(jsonKeys(t.ptr), name) {
			found = append(found, t.prefix+name)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("--set %s: unknown key; model keys: %s; training keys: %s",
			key, strings.Join(settableKeys(targets[0]), ", "), strings.Join(settableKeys(targets[1]), ", "))
	case 1:
		if why, refused := setRefused[found[0]]; refused {
			return "", fmt.Errorf("--set %s: cannot be set this way: %s", key, why)
		}
		return found[0], nil
	}
	return "", fmt.Errorf("--set %s: ambiguous: say %s", key, strings.Join(found, " or "))
}

// settableKeys lists the keys of t that --set accepts.
func settableKeys(t setTarget) []string {
	var keys []string
	for _, k := range jsonKeys(t.ptr) {
		if _, refused := setRefused[t.prefix+k]; !refused {
			keys = append(keys, k)
		}
	}
	return keys
}

// jsonKeys lists the JSON names of the fields of the struct ptr points to
// that setJSONField can set.
func jsonKeys(ptr any) []string {
	t := reflect.TypeOf(ptr).Elem()
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name := jsonName(f); name != "" && f.IsExported() && settableKind(f.Type) {
			keys = append(keys, name)
		}
	}
	return keys
}

// jsonName is a field's JSON name; "" when it has none or is skipped ("-").
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// settableKind reports whether setJSONField can parse a value of type t.
func settableKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Bool, reflect.String:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Int
	}
	return false
}

// jsonField returns the field of the struct ptr points to whose JSON name
// is key.
func jsonField(ptr any, key string) (reflect.Value, bool) {
	v := reflect.ValueOf(ptr).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && jsonName(f) == key && settableKind(f.Type) {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// setJSONField parses text into the field of the struct ptr points to
// whose JSON name is key: integers, numbers, true/false, strings, and
// integer lists as "1,2,2" or "[1,2,2]" ("" or "[]" is the empty list).
func setJSONField(ptr any, key, text string) error {
	f, ok := jsonField(ptr, key)
	if !ok {
		return fmt.Errorf("no field %q", key)
	}
	text = strings.TrimSpace(text)
	switch f.Kind() {
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not an integer", text)
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a number", text)
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%q is not true or false", text)
		}
		f.SetBool(b)
	case reflect.String:
		f.SetString(text)
	case reflect.Slice:
		inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(text, "["), "]"))
		list := []int{}
		if inner != "" {
			for _, part := range strings.Split(inner, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					return fmt.Errorf("%q is not a list of integers such as 1,2,2 (empty for none)", text)
				}
				list = append(list, n)
			}
		}
		f.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("a field of kind %s cannot be set", f.Kind())
	}
	return nil
}

// fieldValue returns the value of the field with JSON name key (as
// jsonField finds it) for comparison and messages.
func fieldValue(ptr any, key string) any {
	f, ok := jsonField(ptr, key)
	if !ok {
		return nil
	}
	return f.Interface()
}

// sameValue compares two field values, an empty list equal to a nil one.
func sameValue(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice && va.Len() == 0 && vb.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// formatValue writes a field value as --set reads it.
func formatValue(v any) string {
	if l, ok := v.([]int); ok {
		return joinInts(l, ",")
	}
	return fmt.Sprint(v)
}
