//go:build noemoji

package pretrained

// Built with -tags noemoji: the emoji models are not embedded; asking for
// one says the binary was built without it.
func init() {
	leftOut = append(leftOut, "emoji-x2", "emoji-base16")
}
