package train

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/srcascade/srcascade/data"
)

// candidate is a file (or pair) the scan kept, with its plan.
type candidate struct {
	hr, lr string // relative paths ("" lr when LR is generated)
	plan   planned
}

// LoadDataset finds the training images opt describes, decodes them once
// (Workers at a time) and keeps them in memory as 8-bit RGB within
// opt.MemoryBudget (see DataOptions). Corrupt, unreadable and too-small
// files are skipped, each logged with its name and reason; it fails only
// when nothing usable is left, or, for LR/HR pairs, when files do not match
// by name or an HR image is not exactly Scale times its LR image (the error
// lists every such file with both sizes). log may be nil.
func LoadDataset(ctx context.Context, opt DataOptions, log func(string)) (*Dataset, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("training data: %w", err)
	}
	logf := syncLogf(log)
	ds := &Dataset{opt: opt, syms: symmetries(opt.NoFlip, opt.NoRotate), logf: logf}
	ds.stats.Budget = opt.MemoryBudget

	hrFiles, err := listImages(ctx, opt.HRDir)
	if err != nil {
		return nil, fmt.Errorf("training data: %w", err)
	}
	ds.stats.Files = len(hrFiles)
	if len(hrFiles) == 0 {
		return nil, fmt.Errorf("training data: no image files (png, jpg, gif, bmp, tiff, webp) under %s", opt.HRDir)
	}
	var cands []candidate
	if opt.pairs() {
		lrFiles, err := listImages(ctx, opt.LRDir)
		if err != nil {
			return nil, fmt.Errorf("training data: %w", err)
		}
		pairs, err := MatchPairs(hrFiles, lrFiles, opt.Scale)
		if err != nil {
			return nil, fmt.Errorf("training data: HR %s, LR %s: %w", opt.HRDir, opt.LRDir, err)
		}
		for _, p := range pairs {
			cands = append(cands, candidate{hr: p.HR, lr: p.LR})
		}
	} else {
		for _, f := range hrFiles {
			cands = append(cands, candidate{hr: f})
		}
	}

	var reasons []string // of skipped files, for the error when none is left
	skip := func(name, why string) {
		ds.stats.Skipped++
		msg := name + ": " + why
		if strings.Contains(why, filepath.Join(opt.HRDir, name)) { // data's errors name the file
			msg = why
		}
		reasons = append(reasons, msg)
		logf("skipping %s", msg)
	}

	// Scan: sizes from headers, so the budget is planned before any pixels
	// are decoded.
	geom := planGeom{patch: opt.Patch, scale: opt.Scale, pairs: opt.pairs()}
	kept := cands[:0]
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := readHeader(filepath.Join(opt.HRDir, c.hr))
		if err != nil {
			// The decoder's own message is the one users should see.
			d, derr := data.DecodeFile(filepath.Join(opt.HRDir, c.hr), data.Limits{})
			if derr != nil {
				skip(c.hr, derr.Error())
				continue
			}
			h = header{W: d.Image.W, H: d.Image.H, Format: d.Format, Lossy: d.Format == "jpeg"}
		}
		if int64(h.W)*int64(h.H) > data.DefaultMaxPixels {
			skip(c.hr, fmt.Sprintf("%dx%d is over the %d-pixel decode limit", h.W, h.H, data.DefaultMaxPixels))
			continue
		}
		c.plan = planned{W: h.W, H: h.H, g0: 1}
		if !opt.pairs() {
			c.plan.g0 = preShrink(h.W, h.H, h.Lossy, opt.DownscaleHR, opt.Patch)
		}
		if min(h.W, h.H) < opt.Patch {
			skip(c.hr, fmt.Sprintf("%dx%d is smaller than the %dx%d patch", h.W, h.H, opt.Patch, opt.Patch))
			continue
		}
		kept = append(kept, c)
	}
	cands = kept

	plans := make([]planned, len(cands))
	for i, c := range cands {
		plans[i] = c.plan
	}
	drop := geom.fitBudget(plans, opt.MemoryBudget)
	for _, c := range cands[len(cands)-drop:] {
		skip(c.hr, fmt.Sprintf("does not fit the %s memory budget even at its smallest", formatBytes(opt.MemoryBudget)))
	}
	cands = cands[:len(cands)-drop]
	for i := range cands {
		cands[i].plan = plans[i]
	}

	// Decode, Workers at a time, into slots kept in path order.
	items := make([]*item, len(cands))
	var missized []string
	var mu sync.Mutex
	parallelFor(ctx, len(cands), opt.Workers, func(i int) {
		it, why, bad := ds.loadOne(cands[i], geom)
		if c := cands[i].plan; c.W*c.H >= 1<<20 {
			// A decode leaves ~16 bytes a pixel of garbage; collecting
			// it now keeps the peak near the budget plus Workers
			// images in flight (measured on train-photos: peak RSS
			// 1.18 GB without, 0.80 GB with, for 272 MiB kept).
			runtime.GC()
		}
		mu.Lock()
		switch {
		case bad != "":
			missized = append(missized, bad)
		case why != "":
			skip(cands[i].hr, why)
		default:
			items[i] = it
		}
		mu.Unlock()
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(missized) > 0 {
		sort.Strings(missized)
		return nil, fmt.Errorf("training data: HR %s, LR %s: %d pair(s) where HR is not exactly %dx LR (crop the HR images to a multiple of %d and downscale them exactly):\n%s",
			opt.HRDir, opt.LRDir, len(missized), opt.Scale, opt.Scale, listLines(missized, 50))
	}
	for _, it := range items {
		if it == nil {
			continue
		}
		ds.items = append(ds.items, *it)
		ds.stats.Images++
		ds.stats.Pixels += int64(it.hr.W) * int64(it.hr.H)
		ds.stats.Bytes += it.hr.bytes()
		if it.lr != nil {
			ds.stats.Bytes += it.lr.bytes()
		}
		ds.cum = append(ds.cum, ds.stats.Pixels)
		if it.shrunk {
			ds.stats.Shrunk++
		}
	}
	if len(ds.items) == 0 {
		return nil, fmt.Errorf("training data: no usable image under %s (%d files, all skipped):\n%s",
			opt.HRDir, ds.stats.Files, listLines(reasons, 20))
	}
	logf("training data: %s", ds.stats)
	return ds, nil
}

// loadOne decodes one candidate and brings it to its planned size. It
// returns the item, or why it was skipped, or (pairs) a size mismatch.
func (ds *Dataset) loadOne(c candidate, geom planGeom) (it *item, skipWhy, missized string) {
	opt := ds.opt
	hd, err := data.DecodeFile(filepath.Join(opt.HRDir, c.hr), data.Limits{})
	if err != nil {
		return nil, err.Error(), ""
	}
	// Alpha is dropped and the colour used as it is: upscaling treats
	// colour and alpha separately, so this is what the model sees at
	// inference too.
	hr := hd.Image
	if !opt.pairs() {
		w, h := geom.dims(hr.W, hr.H, c.plan.g)
		if w != hr.W || h != hr.H {
			hr = data.Resize(hr, w, h)
		}
		if c.plan.g < c.plan.g0 {
			ds.logBudget(c.hr, hd.Image.W, hd.Image.H, w, h)
		}
		return &item{name: c.hr, hr: toRGB8(hr), shrunk: c.plan.g < 1}, "", ""
	}

	ld, err := data.DecodeFile(filepath.Join(opt.LRDir, c.lr), data.Limits{})
	if err != nil {
		return nil, fmt.Sprintf("its LR file: %v", err), ""
	}
	lr := ld.Image
	if hr.W != opt.Scale*lr.W || hr.H != opt.Scale*lr.H {
		return nil, "", fmt.Sprintf("HR %s is %dx%d, LR %s is %dx%d (want HR %dx%d)",
			c.hr, hr.W, hr.H, c.lr, lr.W, lr.H, opt.Scale*lr.W, opt.Scale*lr.H)
	}
	hr8, lr8 := toRGB8(hr), toRGB8(lr)
	if w, h := geom.dims(hr.W, hr.H, c.plan.g); w != hr.W || h != hr.H {
		s := opt.Scale
		x0 := (hr.W - w) / 2 / s * s
		y0 := (hr.H - h) / 2 / s * s
		hr8 = hr8.sub(x0, y0, w, h)
		lr8 = lr8.sub(x0/s, y0/s, w/s, h/s)
		ds.logBudget(c.hr, hr.W, hr.H, w, h)
	}
	return &item{name: c.hr, hr: hr8, lr: lr8, shrunk: c.plan.g < 1}, "", ""
}

// logBudget logs that an image was reduced to fit the memory budget.
func (ds *Dataset) logBudget(name string, w0, h0, w, h int) {
	how := "downscaled"
	if ds.opt.pairs() {
		how = "cropped (centre)"
	}
	ds.logf("%s: %dx%d %s to %dx%d to fit the %s memory budget", name, w0, h0, how, w, h, formatBytes(ds.opt.MemoryBudget))
}

// sub copies the w x h region at (x0,y0).
func (m *rgb8) sub(x0, y0, w, h int) *rgb8 {
	out := &rgb8{W: w, H: h, Pix: make([]uint8, w*h*3)}
	for y := 0; y < h; y++ {
		copy(out.Pix[y*w*3:(y+1)*w*3], m.Pix[((y0+y)*m.W+x0)*3:])
	}
	return out
}

// syncLogf turns an optional log callback into a printf-style logger safe
// for concurrent use.
func syncLogf(log func(string)) func(format string, args ...any) {
	if log == nil {
		return func(string, ...any) {}
	}
	var mu sync.Mutex
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		mu.Lock()
		defer mu.Unlock()
		log(strings.TrimRight(msg, "\n"))
	}
}

// parallelFor calls fn(i) for every i in [0, n) on up to workers goroutines
// (at least one), each taking the next index, and returns when all calls
// are done; once ctx ends no new index is started.
func parallelFor(ctx context.Context, n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
