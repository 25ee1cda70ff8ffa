package data

import (
	"fmt"
	"testing"
)

func TestShardPartition(t *testing.T) {
	var keys []string
	for i := range 1000 {
		keys = append(keys, fmt.Sprintf("album%d/img_%04d.jpg", i%7, i))
	}
	for _, n := range []int{1, 2, 3, 8, 64} {
		owner := map[string]int{}
		sizes := make([]int, n)
		for k := 1; k <= n; k++ {
			s := Shard{K: k, N: n}
			for _, key := range keys {
				if s.Has(key) {
					if prev, ok := owner[key]; ok {
						t.Fatalf("N=%d: %s in shards %d and %d", n, key, prev, k)
					}
					owner[key] = k
					sizes[k-1]++
				}
			}
		}
		if len(owner) != len(keys) {
			t.Fatalf("N=%d: shards cover %d of %d keys", n, len(owner), len(keys))
		}
		for k, c := range sizes {
			if want := len(keys) / n; n <= 8 && (c < want*7/10 || c > want*13/10) {
				t.Errorf("N=%d: shard %d has %d keys, want about %d", n, k+1, c, want)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("3/4"); err != nil || s != (Shard{3, 4}) || s.String() != "3/4" {
		t.Errorf("ParseShard(3/4) = %v, %v", s, err)
	}
	for _, bad := range []string{"", "3", "0/4", "5/4", "1/0", "-1/4", "a/b", "1/2/3", "1/99999999"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}
