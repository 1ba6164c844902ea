package parallel

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestForEachRunsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		seen := make([]int32, n)
		if err := ForEach(n, func(i int) error { atomic.AddInt32(&seen[i], 1); return nil }); err != nil {
			t.Fatal(err)
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d ran %d times", n, i, c)
			}
		}
	}
}

func TestForEachReturnsTheLowestIndexError(t *testing.T) {
	err := ForEach(100, func(i int) error {
		if i == 37 || i == 80 {
			return fmt.Errorf("item %d", i)
		}
		return nil
	})
	if err == nil || err.Error() != "item 37" {
		t.Fatalf("ForEach = %v, want the error of item 37", err)
	}
	if err := ForEach(3, func(int) error { return nil }); !errors.Is(err, nil) {
		t.Fatal(err)
	}
}
