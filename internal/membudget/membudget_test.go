package membudget

import (
	"context"
	"testing"
	"time"
)

// acquireAsync starts an Acquire and returns a channel that gets its result.
func acquireAsync(b *Budget, ctx context.Context, n int64) chan bool {
	ch := make(chan bool, 1)
	go func() {
		alone, err := b.Acquire(ctx, n)
		if err != nil {
			close(ch)
			return
		}
		ch <- alone
	}()
	return ch
}

// blocked reports whether ch has no value after a short wait.
func blocked(ch chan bool) bool {
	select {
	case <-ch:
		return false
	case <-time.After(50 * time.Millisecond):
		return true
	}
}

func TestBudgetAdmitsByBytes(t *testing.T) {
	ctx := context.Background()
	b := New(100)
	if alone, err := b.Acquire(ctx, 60); err != nil || alone {
		t.Fatalf("60 of 100: alone %v, %v", alone, err)
	}
	if alone, err := b.Acquire(ctx, 40); err != nil || alone {
		t.Fatalf("40 more: alone %v, %v", alone, err)
	}
	third := acquireAsync(b, ctx, 10)
	if !blocked(third) {
		t.Fatal("110 of 100 admitted")
	}
	b.Release(40)
	if alone, ok := <-third; !ok || alone {
		t.Fatal("10 not admitted after 40 were released")
	}
	if b.Peak() != 2 {
		t.Errorf("peak %d, want 2", b.Peak())
	}
}

func TestBudgetOversizedRunsAlone(t *testing.T) {
	ctx := context.Background()
	b := New(100)
	if _, err := b.Acquire(ctx, 10); err != nil {
		t.Fatal(err)
	}
	big := acquireAsync(b, ctx, 500)
	if !blocked(big) {
		t.Fatal("an oversized request was admitted beside another")
	}
	b.Release(10)
	if alone, ok := <-big; !ok || !alone {
		t.Fatalf("oversized request: admitted %v, alone %v; want admitted alone", ok, alone)
	}
	small := acquireAsync(b, ctx, 1)
	if !blocked(small) {
		t.Fatal("a request was admitted beside an oversized one")
	}
	b.Release(500)
	if _, ok := <-small; !ok {
		t.Fatal("not admitted after the oversized request ended")
	}
}

func TestBudgetCancel(t *testing.T) {
	b := New(10)
	if _, err := b.Acquire(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := acquireAsync(b, ctx, 5)
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("a cancelled Acquire was admitted")
	}
	b.Release(10)
	if alone, err := b.Acquire(context.Background(), 10); err != nil || alone {
		t.Fatalf("after the cancel the budget should be whole: %v, %v", alone, err)
	}
}
