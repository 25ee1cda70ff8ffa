package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// job is one image to upscale.
type job struct {
	in  string // input file; "-" = standard input
	out string // output file; "-" = standard output
	key string // what --shard hashes: the path relative to the folder INPUT, or the file's name
}

// upscalePlan is what an upscale command line expands to on disk.
type upscalePlan struct {
	jobs     []job
	skipped  []job    // output exists and --overwrite was not given
	failed   []result // refused before starting: output collisions, output = input
	warnings []string // folders without images, ignored files
	format   string   // output format: "png" or "jpeg"
	request  string   // the record of the request, written into every output
	// redone are outputs of another srcascade request (scale, model,
	// sampling...) that are done again, with the request each holds.
	redone []redoneOutput
}

// redoneOutput is an existing output made by another request.
type redoneOutput struct{ path, request string }

// planUpscale expands the inputs into jobs and decides every output path
// (see upscaleDescription). A missing input or an -o that cannot work is a
// usage error; nothing has been written when it returns.
func planUpscale(o *upscaleOptions) (*upscalePlan, error) {
	const cmd = "upscale"
	p := &upscalePlan{format: o.Format}
	type input struct {
		path  string
		isDir bool
	}
	var inputs []input
	for _, in := range o.Inputs {
		if in == stdio {
			if o.Output == "" {
				return nil, usagef(cmd, "INPUT - (standard input): name the output with -o FILE, or -o - for standard output")
			}
			inputs = append(inputs, input{in, false})
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, usagef(cmd, "input %s: no such file or folder", in)
			}
			return nil, usagef(cmd, "input %s: %v", in, err)
		}
		inputs = append(inputs, input{in, st.IsDir()})
	}

	// -o is a file only for a single input file, when it names no existing
	// folder and does not end in a separator.
	outIsFile := false
	if o.Output == stdio {
		if inputs[0].isDir {
			return nil, usagef(cmd, "-o - (standard output) takes one image, and %s is a folder", inputs[0].path)
		}
		outIsFile = true
	} else if o.Output != "" {
		outDirLike := strings.HasSuffix(o.Output, "/") || strings.HasSuffix(o.Output, string(os.PathSeparator))
		if st, err := os.Stat(o.Output); err == nil && st.IsDir() {
			outDirLike = true
		}
		ext := filepath.Ext(o.Output)
		if !outDirLike && isImageWriteExt(ext) {
			if len(inputs) > 1 || inputs[0].isDir {
				return nil, usagef(cmd, "-o %s: the input is a folder, so -o must be a folder too", o.Output)
			}
			outIsFile = true
			if p.format == "" {
				p.format, _ = parseFormat(ext[1:])
			}
		} else if !outDirLike && ext != "" && len(inputs) == 1 && !inputs[0].isDir {
			return nil, usagef(cmd, "-o %s: cannot write %s files; use .png or .jpg, or end the path with / for a folder", o.Output, ext)
		}
	}
	if p.format == "" {
		p.format = "png"
	}
	if p.format != "jpeg" && o.Quality != data.DefaultJPEGQuality {
		p.warnings = append(p.warnings, doNothing([]string{"--quality"}, "it is the JPEG quality, and the output is PNG (lossless); use -f jpg or an -o ending in .jpg"))
	}
	if o.Recursive && !slices.ContainsFunc(inputs, func(in input) bool { return in.isDir }) {
		p.warnings = append(p.warnings, doNothing([]string{"-r"}, "no INPUT is a folder"))
	}
	ext := ".png"
	if p.format == "jpeg" {
		ext = ".jpg"
	}
	p.request = o.request(p.format)
	suffix := "_" + o.sizeTag()
	fileName, folderName := "{name}_{size}.{ext}", "{name}.{ext}"
	if o.Name != "" {
		fileName, folderName = o.Name, o.Name
	}
	if o.Name != "" && outIsFile {
		p.warnings = append(p.warnings, doNothing([]string{"--name/--suffix"}, "-o names the one output"))
	}

	// Output roots of folder inputs, so that walking never descends into them.
	type folderPlan struct{ in, outRoot string }
	var folders []folderPlan
	for _, in := range inputs {
		if !in.isDir {
			continue
		}
		var root string
		switch {
		case o.Output != "" && len(inputs) == 1:
			root = o.Output
		case o.Output != "":
			root = filepath.Join(o.Output, baseName(in.path))
		default:
			abs, err := filepath.Abs(in.path)
			if err != nil {
				return nil, usagef(cmd, "input %s: %v", in.path, err)
			}
			if filepath.Dir(abs) == abs {
				return nil, usagef(cmd, "input %s: cannot put the output beside the root folder; use -o", in.path)
			}
			root = filepath.Clean(in.path) + suffix
			if b := filepath.Base(filepath.Clean(in.path)); b == "." || b == ".." {
				root = abs + suffix
			}
		}
		folders = append(folders, folderPlan{in.path, root})
	}
	skipDirs := map[string]bool{}
	for _, f := range folders {
		if abs, err := filepath.Abs(f.outRoot); err == nil {
			skipDirs[abs] = true
		}
	}

	var all []job
	fi := 0
	for _, in := range inputs {
		if !in.isDir {
			var out string
			switch {
			case outIsFile:
				out = o.Output
			case o.Output != "":
				out = filepath.Join(o.Output, expandName(fileName, in.path, ext[1:], o.scaleText(), o.sizeTag()))
			default:
				out = filepath.Join(filepath.Dir(in.path), expandName(fileName, in.path, ext[1:], o.scaleText(), o.sizeTag()))
			}
			all = append(all, job{in: in.path, out: out, key: filepath.Base(in.path)})
			continue
		}
		f := folders[fi]
		fi++
		tree, err := walkImages(f.in, o.Recursive, skipDirs)
		if err != nil {
			return nil, usagef(cmd, "input %s: %v", f.in, err)
		}
		files, ignored := tree.Files, tree.Ignored
		for _, e := range tree.Unreadable {
			p.failed = append(p.failed, result{job: job{in: f.in}, status: statusFailed, err: e})
		}
		p.warnings = append(p.warnings, loopWarnings(f.in, tree)...)
		if len(files) == 0 && len(tree.Unreadable) == 0 {
			hint := ""
			if !o.Recursive {
				hint = " (use -r to include subfolders)"
			}
			p.warnings = append(p.warnings, fmt.Sprintf("no images in %s%s", f.in, hint))
		}
		if ignored > 0 {
			p.warnings = append(p.warnings, fmt.Sprintf("%s: ignored %d %s without an image extension", f.in, ignored, plural(ignored, "file", "files")))
		}
		for _, rel := range files {
			out := filepath.Join(f.outRoot, filepath.Dir(rel), expandName(folderName, rel, ext[1:], o.scaleText(), o.sizeTag()))
			all = append(all, job{in: filepath.Join(f.in, rel), out: out, key: rel})
		}
	}

	// Refuse outputs that would overwrite an input or another job's output,
	// then skip the ones that exist.
	read := inputSet()
	inputsAbs := map[string]bool{}
	for _, j := range all {
		if j.in != stdio {
			read.Add(j.in)
			inputsAbs[absPath(j.in)] = true
		}
	}
	seen := map[string]string{}
	for _, j := range all {
		if j.out == stdio {
			p.jobs = append(p.jobs, j)
			continue
		}
		a := absPath(j.out)
		if _, same := read.Contains(j.out); same || inputsAbs[a] {
			p.failed = append(p.failed, result{job: j, status: statusFailed,
				err: fmt.Errorf("output %s would overwrite an input; choose another -o or -f", j.out)})
			continue
		}
		if prev, ok := seen[a]; ok {
			p.failed = append(p.failed, result{job: j, status: statusFailed,
				err: fmt.Errorf("output %s is also the output of %s; rename one of them", j.out, prev)})
			continue
		}
		seen[a] = j.in
		if st, err := os.Stat(j.out); err == nil {
			if st.IsDir() {
				p.failed = append(p.failed, result{job: j, status: statusFailed,
					err: fmt.Errorf("output %s is a folder", j.out)})
				continue
			}
			if !o.Overwrite {
				switch kind, other := classifyOutput(j.out, p.request); kind {
				case outputSame:
					p.skipped = append(p.skipped, j)
					continue
				case outputOther:
					p.redone = append(p.redone, redoneOutput{j.out, other})
				default:
					p.failed = append(p.failed, result{job: j, status: statusFailed,
						err: fmt.Errorf("output %s exists and was not made by srcascade upscale (it holds no record of a request); --overwrite replaces it", j.out)})
					continue
				}
			}
		}
		p.jobs = append(p.jobs, j)
	}
	if o.Shard.N > 0 {
		p.keepShard(o.Shard)
	}
	return p, nil
}

// keepShard drops from the plan the inputs of other shards (data.Shard):
// collisions were found over the whole plan, so every worker refuses the
// same ones. Failures of whole folders (no key) stay in every shard.
func (p *upscalePlan) keepShard(s data.Shard) {
	keep := func(j job) bool { return j.key == "" || s.Has(j.key) }
	var jobs, skipped []job
	for _, j := range p.jobs {
		if keep(j) {
			jobs = append(jobs, j)
		}
	}
	for _, j := range p.skipped {
		if keep(j) {
			skipped = append(skipped, j)
		}
	}
	var failed []result
	for _, r := range p.failed {
		if keep(r.job) {
			failed = append(failed, r)
		}
	}
	ran := map[string]bool{}
	for _, j := range jobs {
		ran[j.out] = true
	}
	var redone []redoneOutput
	for _, r := range p.redone {
		if ran[r.path] {
			redone = append(redone, r)
		}
	}
	p.jobs, p.skipped, p.failed, p.redone = jobs, skipped, failed, redone
}

// walkImages lists the image files under dir (see data.WalkImages),
// leaving out the folders in skip (absolute paths: output folders inside
// the input).
func walkImages(dir string, recursive bool, skip map[string]bool) (*data.ImageTree, error) {
	return data.WalkImages(dir, recursive, func(path string) bool { return skip[absPath(path)] })
}

// loopWarnings are the warnings about the symlinks of tree (under dir)
// that lead back up the tree and were not followed.
func loopWarnings(dir string, tree *data.ImageTree) []string {
	var w []string
	for _, l := range tree.Loops {
		w = append(w, fmt.Sprintf("%s: a symlink to a folder above it (a loop), not followed", filepath.Join(dir, l)))
	}
	return w
}

// baseName is the last element of a folder path, resolving "." and "..".
func baseName(path string) string {
	b := filepath.Base(filepath.Clean(path))
	if b == "." || b == ".." {
		b = filepath.Base(absPath(path))
	}
	return b
}

// absPath is filepath.Abs, falling back to the cleaned path.
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return filepath.Clean(path)
}

// plural picks the singular or plural word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
