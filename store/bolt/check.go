package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"syscall"
)

// The layout of a bbolt file (go.etcd.io/bbolt/internal/common: Go
// structs, in the machine's byte order), which checkPages reads without
// bbolt: bbolt reads its pages through unchecked
// pointers, and some of what it finds wrong while opening a file it reports
// by panicking in a goroutine of its own, which nobody can recover.
const (
	pageHeader  = 16 // id(8) flags(2) count(2) overflow(4)
	elemSize    = 16 // branch: pos(4) ksize(4) pgid(8); leaf: flags(4) pos(4) ksize(4) vsize(4)
	bucketHead  = 16 // root(8) sequence(8), then the page of an inline bucket
	branchFlag  = 0x01
	leafFlag    = 0x02
	freeFlag    = 0x10
	bucketElem  = 0x01
	metaMagic   = 0xED0CDAED
	metaVersion = 2
	noFreelist  = ^uint64(0)
)

// checkFile maps the file at path read-only and checks it with
// checkPages, for pageSize bytes a page. The caller holds the file's lock.
func checkFile(path string, pageSize int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size < int64(2*pageSize) || int64(int(size)) != size {
		return errDamaged{fmt.Sprintf("%d bytes, shorter than its two meta pages", size)}
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return err
	}
	defer syscall.Munmap(data)
	return checkPages(data, pageSize)
}

// checkPages checks the bbolt file in data as bbolt's Open checks it when
// it rebuilds the free list (every page reached once, a branch or a leaf,
// below the high-water mark, keys in order under their branch keys), and
// beyond that that every page, element, key and value lies inside the file
// and its page: a file that passes is one bbolt opens and reads without a
// fault. It returns errDamaged naming the first damage found; the keys are
// not shown, they hold phone numbers.
func checkPages(data []byte, pageSize int) error {
	w := &pageWalk{data: data, psz: uint64(pageSize)}
	m, err := w.meta()
	if err != nil {
		return err
	}
	w.hwm = m.hwm
	w.seen = make([]uint64, (m.hwm+63)/64)
	w.mark(0)
	w.mark(1)
	if err := w.bucket(m.root, "", nil); err != nil {
		return err
	}
	if m.freelist != noFreelist {
		return w.freelist(m.freelist)
	}
	return nil
}

type pageWalk struct {
	data  []byte
	psz   uint64
	hwm   uint64   // the meta's page count: every page in use is below it
	seen  []uint64 // the pages reached, a bit each
	depth int      // of tree levels and buckets in buckets, to the page walked
}

// maxDepth bounds the walk's recursion (a chain of pages made to look
// like a tree would overflow the stack): a bbolt tree of a billion keys is
// a few levels deep, and Baton's buckets hold no buckets.
const maxDepth = 64

type meta struct{ root, freelist, hwm, txid uint64 }

// meta returns the meta page bbolt uses: the valid one of the later
// transaction.
func (w *pageWalk) meta() (meta, error) {
	read := func(n uint64) (meta, bool) {
		b := w.data[n*w.psz+pageHeader : n*w.psz+pageHeader+64]
		le := binary.NativeEndian
		h := fnv.New64a()
		h.Write(b[:56])
		ok := le.Uint32(b[0:]) == metaMagic && le.Uint32(b[4:]) == metaVersion && le.Uint64(b[56:]) == h.Sum64()
		return meta{root: le.Uint64(b[16:]), freelist: le.Uint64(b[32:]), hwm: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}, ok
	}
	a, aok := read(0)
	b, bok := read(1)
	if b.txid > a.txid {
		a, aok, b, bok = b, bok, a, aok
	}
	switch {
	case aok:
	case bok:
		a = b
	default:
		return meta{}, errDamaged{"both meta pages are damaged"}
	}
	// A file cut short holds fewer pages than it uses; far fewer is a
	// count nobody wrote (and a free list bbolt would build too long).
	if a.hwm < 2 || a.hwm > uint64(len(w.data))/w.psz+1<<24 {
		return meta{}, errDamaged{fmt.Sprintf("the meta page counts %d pages in a file of %d", a.hwm, uint64(len(w.data))/w.psz)}
	}
	return a, nil
}

// mark records page n as reached, and says whether it was before.
func (w *pageWalk) mark(n uint64) bool {
	bit := uint64(1) << (n % 64)
	again := w.seen[n/64]&bit != 0
	w.seen[n/64] |= bit
	return again
}

// page returns page n with its overflow pages, reached once.
func (w *pageWalk) page(n uint64, flags uint16) ([]byte, error) {
	size := uint64(len(w.data))
	if n < 2 || n >= w.hwm {
		return nil, errDamaged{fmt.Sprintf("a reference to page %d, outside the pages in use (2 to %d)", n, w.hwm-1)}
	}
	if n*w.psz+pageHeader > size {
		return nil, errDamaged{fmt.Sprintf("page %d lies past the end of the file", n)}
	}
	p := w.data[n*w.psz:]
	if id := binary.NativeEndian.Uint64(p); id != n {
		return nil, errDamaged{fmt.Sprintf("page %d says it is page %d", n, id)}
	}
	if f := binary.NativeEndian.Uint16(p[8:]); f != flags && (flags != 0 || f != branchFlag && f != leafFlag) {
		return nil, errDamaged{fmt.Sprintf("page %d has type %#x where a tree or free-list page belongs", n, f)}
	}
	over := uint64(binary.NativeEndian.Uint32(p[12:]))
	if n+over >= w.hwm || (n+over+1)*w.psz > size {
		return nil, errDamaged{fmt.Sprintf("page %d runs past the pages in use (%d overflow pages)", n, over)}
	}
	for i := n; i <= n+over; i++ {
		if w.mark(i) {
			return nil, errDamaged{fmt.Sprintf("page %d is referenced twice", i)}
		}
	}
	return p[:(over+1)*w.psz], nil
}

// bucket checks the bucket whose root is page root (0: an inline bucket,
// whose page is inline), and the buckets in it.
func (w *pageWalk) bucket(root uint64, name string, inline []byte) error {
	if w.depth++; w.depth > maxDepth {
		return errDamaged{fmt.Sprintf("bucket %q lies %d levels deep", name, w.depth)}
	}
	defer func() { w.depth-- }()
	var subs []bucketRef
	if root == 0 {
		if _, err := w.elems(inline, leafFlag, 0, name, nil, nil, &subs); err != nil {
			return err
		}
		if len(subs) > 0 {
			return errDamaged{fmt.Sprintf("bucket %q: a bucket inside an inline bucket", name)}
		}
		return nil
	}
	if _, err := w.tree(root, name, nil, nil, &subs); err != nil {
		return err
	}
	for _, b := range subs {
		if err := w.bucket(b.root, b.name, b.inline); err != nil {
			return err
		}
	}
	return nil
}

type bucketRef struct {
	name   string
	root   uint64
	inline []byte
}

// tree checks the tree under page n, whose keys lie in [lo, hi) (nil: no
// bound), as bbolt's check does, and returns its last key.
func (w *pageWalk) tree(n uint64, name string, lo, hi []byte, subs *[]bucketRef) ([]byte, error) {
	if w.depth++; w.depth > maxDepth {
		return nil, errDamaged{fmt.Sprintf("page %d lies %d levels deep", n, w.depth)}
	}
	defer func() { w.depth-- }()
	p, err := w.page(n, 0)
	if err != nil {
		return nil, err
	}
	return w.elems(p, binary.NativeEndian.Uint16(p[8:]), n, name, lo, hi, subs)
}

// elems checks the elements of page p (number n, 0 for an inline page).
func (w *pageWalk) elems(p []byte, flags uint16, n uint64, name string, lo, hi []byte, subs *[]bucketRef) ([]byte, error) {
	where := func(what string) errDamaged {
		switch {
		case n == 0:
			return errDamaged{fmt.Sprintf("inline bucket %q: %s", name, what)}
		case name == "":
			return errDamaged{fmt.Sprintf("page %d (the list of buckets): %s", n, what)}
		}
		return errDamaged{fmt.Sprintf("page %d (bucket %q): %s", n, name, what)}
	}
	if len(p) < pageHeader {
		return nil, where("cut short")
	}
	if n == 0 && binary.NativeEndian.Uint16(p[8:]) != leafFlag {
		return nil, where("not a leaf page")
	}
	count := int(binary.NativeEndian.Uint16(p[10:]))
	if pageHeader+count*elemSize > len(p) {
		return nil, where(fmt.Sprintf("%d elements do not fit in it", count))
	}
	if flags == branchFlag && count == 0 {
		return nil, where("a branch page without elements")
	}
	le := binary.NativeEndian
	prev := lo
	for i := range count {
		e := p[pageHeader+i*elemSize:]
		at := uint64(pageHeader + i*elemSize)
		var pos, ksize, vsize uint64
		if flags == branchFlag {
			pos, ksize = uint64(le.Uint32(e)), uint64(le.Uint32(e[4:]))
		} else {
			pos, ksize, vsize = uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		}
		if ksize == 0 || at+pos+ksize+vsize > uint64(len(p)) {
			return nil, where(fmt.Sprintf("element %d lies outside its page", i))
		}
		key := p[at+pos : at+pos+ksize]
		if i == 0 && prev != nil && bytes.Compare(prev, key) > 0 || i > 0 && bytes.Compare(prev, key) >= 0 || hi != nil && bytes.Compare(key, hi) >= 0 {
			return nil, where("keys out of order")
		}
		if flags == branchFlag {
			next := hi
			if i+1 < count {
				ne := p[pageHeader+(i+1)*elemSize:]
				npos, nsize := uint64(le.Uint32(ne)), uint64(le.Uint32(ne[4:]))
				nat := at + elemSize
				if nat+npos+nsize > uint64(len(p)) {
					return nil, where(fmt.Sprintf("element %d lies outside its page", i+1))
				}
				next = p[nat+npos : nat+npos+nsize]
			}
			last, err := w.tree(le.Uint64(e[8:]), name, key, next, subs)
			if err != nil {
				return nil, err
			}
			prev = last
			continue
		}
		prev = key
		if le.Uint32(e)&bucketElem != 0 {
			v := p[at+pos+ksize : at+pos+ksize+vsize]
			if len(v) < bucketHead {
				return nil, where(fmt.Sprintf("the bucket of element %d is cut short", i))
			}
			// Only the top-level keys are shown: Baton's own bucket names.
			sub := bucketRef{name: string(key), root: le.Uint64(v)}
			if name != "" {
				sub.name = name + "/…"
			}
			if sub.root == 0 {
				sub.inline = v[bucketHead:]
			}
			*subs = append(*subs, sub)
		}
	}
	return prev, nil
}

// freelist checks the free-list page n a file written without
// NoFreelistSync keeps: the pages it lists are in use and reached by
// nothing.
func (w *pageWalk) freelist(n uint64) error {
	p, err := w.page(n, freeFlag)
	if err != nil {
		return err
	}
	count, ids := uint64(binary.NativeEndian.Uint16(p[10:])), p[pageHeader:]
	if count == 0xFFFF && len(ids) >= 8 {
		count, ids = binary.NativeEndian.Uint64(ids), ids[8:]
	}
	if count > uint64(len(ids))/8 {
		return errDamaged{fmt.Sprintf("free-list page %d: %d pages do not fit in it", n, count)}
	}
	for i := range count {
		id := binary.NativeEndian.Uint64(ids[8*i:])
		if id < 2 || id >= w.hwm || w.mark(id) {
			return errDamaged{fmt.Sprintf("free-list page %d lists page %d, which is in use or outside the file", n, id)}
		}
	}
	return nil
}
