package data

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// ToTensor stacks images of one size into a float32 tensor of shape
// [N,H,W,C], copying each image's Pix as one block (Image is already HWC,
// row-major, so no per-pixel work is needed).
func ToTensor(imgs ...*Image) (*tensors.Tensor, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("to tensor: no images")
	}
	first := imgs[0]
	if first == nil {
		return nil, fmt.Errorf("to tensor: image 0 is nil")
	}
	for i, m := range imgs {
		if m == nil {
			return nil, fmt.Errorf("to tensor: image %d is nil", i)
		}
		if err := validateImage(m); err != nil {
			return nil, fmt.Errorf("to tensor: image %d: %w", i, err)
		}
		if m.W != first.W || m.H != first.H || m.C != first.C {
			return nil, fmt.Errorf("to tensor: image %d is %v, image 0 is %v: all must match", i, m, first)
		}
	}
	size := len(first.Pix)
	t := tensors.FromShape(shapes.Make(dtypes.Float32, len(imgs), first.H, first.W, first.C))
	err := tensors.MutableFlatData(t, func(flat []float32) {
		for i, m := range imgs {
			copy(flat[i*size:(i+1)*size], m.Pix)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("to tensor: %w", err)
	}
	return t, nil
}

// FromTensor splits a float32 tensor of shape [N,H,W,C] into N images,
// copying each as one block. It fails for other dtypes or ranks.
func FromTensor(t *tensors.Tensor) ([]*Image, error) {
	if t == nil {
		return nil, fmt.Errorf("from tensor: nil tensor")
	}
	s := t.Shape()
	if s.DType != dtypes.Float32 || s.Rank() != 4 {
		return nil, fmt.Errorf("from tensor: shape %s, want float32 [N,H,W,C]", s)
	}
	n, h, w, c := s.Dimensions[0], s.Dimensions[1], s.Dimensions[2], s.Dimensions[3]
	if n <= 0 || h <= 0 || w <= 0 || c <= 0 {
		return nil, fmt.Errorf("from tensor: shape %s has an empty axis", s)
	}
	imgs := make([]*Image, n)
	size := h * w * c
	err := tensors.ConstFlatData(t, func(flat []float32) {
		for i := range imgs {
			m := NewImage(w, h, c)
			copy(m.Pix, flat[i*size:(i+1)*size])
			imgs[i] = m
		}
	})
	if err != nil {
		return nil, fmt.Errorf("from tensor: %w", err)
	}
	return imgs, nil
}
