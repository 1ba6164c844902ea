package chain

// SetFetch changes how Blocks batches, for the benchmark's comparison.
func SetFetch(c *Client, batch, workers int) {
	c.fetchBatch, c.fetchWorkers = batch, workers
}
