// Package recovery turns panics into errors. GoMLX reports graph building
// and execution failures by panicking; callers that must return errors
// instead (model loading, sampling, checkpointing) run that code through
// Catch.
package recovery

import "fmt"

// Catch runs f and returns the value it panicked with as an error: the
// value itself when it is an error (so errors.Is/As still see through it),
// or its %v text otherwise. It returns nil when f returns normally.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	f()
	return nil
}
