package data

import (
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxShards bounds Shard.N.
const MaxShards = 1 << 20

// Shard is worker K of N (K from 1 to N) splitting a list of inputs: each
// input belongs to exactly one of the N shards, chosen by a hash (FNV-1a)
// of its key (a path relative to the folder given, with / separators),
// so N workers given the same inputs, each with its own K, cover them
// disjointly and completely, whatever order they list them in and
// whatever machine they run on. The zero Shard holds everything.
type Shard struct{ K, N int }

// ParseShard reads "K/N" (1 <= K <= N <= MaxShards).
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("%q: want K/N, e.g. 1/4 for the first of 4 workers", s)
	case n < 1 || n > MaxShards:
		return Shard{}, fmt.Errorf("%q: N must be 1..%d", s, MaxShards)
	case k < 1 || k > n:
		return Shard{}, fmt.Errorf("%q: K must be 1..%d (K counts from 1)", s, n)
	}
	return Shard{K: k, N: n}, nil
}

// Has reports whether the input with key belongs to this shard. Keys are
// compared with / separators, so a Windows and a Linux worker agree.
func (s Shard) Has(key string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(filepath.ToSlash(key)))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}

// String writes s as ParseShard reads it, "" for the zero Shard.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}
