package keys

import (
	"runtime"
	"sync"
)

// forEach runs fn(0) … fn(n-1) on up to GOMAXPROCS goroutines. Reviewing
// and signing are elliptic-curve work per input, independent between
// inputs, so a many-input PSBT uses every core. It returns the error of the
// lowest index that failed, so refusals name the same input as a
// sequential loop would.
func forEach(n int, fn func(i int) error) error {
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
