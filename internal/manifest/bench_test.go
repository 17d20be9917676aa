package manifest

import "testing"

// BenchmarkCorpus checks the whole shared corpus per iteration and reports skills per second, the
// figure the README quotes.
func BenchmarkCorpus(b *testing.B) {
	skills := loadCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range skills {
			Check(Input{File: s.file, Dir: s.dir, Data: s.data, Files: s.files}, Mode{})
		}
	}
	b.ReportMetric(float64(b.N*len(skills))/b.Elapsed().Seconds(), "skills/s")
}
