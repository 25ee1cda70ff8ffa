package cascade

import (
	"errors"
	"strconv"
)

// errDeblockSetting is ParseDeblock's error: what a setting may be.
var errDeblockSetting = errors.New("want auto, off or a JPEG quality 1..100")

// ParseDeblock reads an Options.Deblock setting as the CLI's --deblock and
// serve's deblock parameter write it: "auto" (0, automatic), "off"
// (DeblockOff) or the JPEG quality 1..100 the input was saved at.
func ParseDeblock(s string) (int, error) {
	switch s {
	case "auto":
		return 0, nil
	case "off":
		return DeblockOff, nil
	}
	q, err := strconv.Atoi(s)
	if err != nil || q < 1 || q > 100 {
		return 0, errDeblockSetting
	}
	return q, nil
}

// DeblockString writes an Options.Deblock setting as ParseDeblock reads it.
func DeblockString(q int) string {
	switch q {
	case 0:
		return "auto"
	case DeblockOff:
		return "off"
	}
	return strconv.Itoa(q)
}
