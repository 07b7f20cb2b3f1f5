package index

import "math/bits"

// bitset is a fixed-size set of table rows, one bit per row.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int32) bool {
	w := int(i) >> 6
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

func (b bitset) set(i int32)   { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int32) { b[i>>6] &^= 1 << (uint(i) & 63) }

// grown returns a copy of b with room for n rows.
func (b bitset) grown(n int) bitset {
	out := newBitset(n)
	copy(out, b)
	return out
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// andCount is the size of b ∩ o.
func (b bitset) andCount(o bitset) int {
	n := 0
	for i := range min(len(b), len(o)) {
		n += bits.OnesCount64(b[i] & o[i])
	}
	return n
}

// and keeps in b only the rows also in o.
func (b bitset) and(o bitset) {
	for i := range b {
		if i < len(o) {
			b[i] &= o[i]
		} else {
			b[i] = 0
		}
	}
}

// or adds the rows of o to b (o no longer than b).
func (b bitset) or(o bitset) {
	for i := range min(len(b), len(o)) {
		b[i] |= o[i]
	}
}

// andNot removes the rows of o from b.
func (b bitset) andNot(o bitset) {
	for i := range min(len(b), len(o)) {
		b[i] &^= o[i]
	}
}

// each calls fn for every row in b, in increasing order.
func (b bitset) each(fn func(row int32)) {
	for i, w := range b {
		for w != 0 {
			fn(int32(i<<6 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}
