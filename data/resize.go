package data

// Resize resizes img to w x h with MATLAB imresize's bicubic (a = -0.5,
// kernel widened by 1/scale when shrinking, symmetric boundary), the scale
// of each axis being outSize/inSize, as MATLAB does given an output size.
func Resize(img *Image, w, h int) *Image { panic("TODO data.Resize") }

// ResizeScale resizes by scale on both axes, the output size being
// ceil(scale*size) as in MATLAB's imresize(img, scale).
func ResizeScale(img *Image, scale float64) *Image { panic("TODO data.ResizeScale") }

// ModCrop crops the bottom/right so width and height are multiples of scale.
func ModCrop(img *Image, scale int) *Image { panic("TODO data.ModCrop") }

// Quantize rounds every value to the nearest of the 256 8-bit levels (in
// [-1,1] units) and clamps to [-1,1], as writing to uint8 would.
func Quantize(img *Image) *Image { panic("TODO data.Quantize") }
