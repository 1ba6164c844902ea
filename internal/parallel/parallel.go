// Package parallel runs independent per-item work, such as signing or
// verifying the inputs of one transaction, on every core.
package parallel

import (
	"runtime"
	"sync"
)

// ForEach runs fn(0) … fn(n-1) on up to GOMAXPROCS goroutines and
// returns the error of the lowest index that failed, so an error names the
// same item a sequential loop would. fn must be safe to run concurrently
// for different indexes.
func ForEach(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
