package vault

import "testing"

// BenchmarkDerive measures one Derive (script and address at a new index)
// after the per-key chain derivation is cached, as sync uses it.
func BenchmarkDerive(b *testing.B) {
	v := loadVectors(b)
	for _, name := range []string{"wsh_2of3_regtest", "wsh_11of15_regtest"} {
		var desc string
		for _, c := range v.Cases {
			if c.Name == name {
				desc = c.Descriptor
			}
		}
		d := mustParse(b, desc)
		net := mustNetwork(b, "regtest")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := uint32(0)
			for b.Loop() {
				if _, err := d.Derive(net, i%2, i/2); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		// The same scripts a hundred at a time, as a new generation's
		// window and sync's gap derive them: per script.
		b.Run(name+"/range100", func(b *testing.B) {
			b.ReportAllocs()
			i := uint32(0)
			for b.Loop() {
				if _, err := d.DeriveRange(net, i%2, i/2*100, 100); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/script")
		})
	}
}

func BenchmarkParseDescriptor(b *testing.B) {
	desc := loadVectors(b).Cases[0].Descriptor
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDescriptor(desc); err != nil {
			b.Fatal(err)
		}
	}
}
