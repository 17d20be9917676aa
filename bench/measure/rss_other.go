//go:build !unix

package main

import "os"

// maxRSS is not reported here (no ru_maxrss): 0, so the benchmarks still build everywhere.
func maxRSS(*os.ProcessState) int64 { return 0 }
