package gitfetch

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// object is a git object held in memory: its kind and its raw content.
type object struct {
	typ  plumbing.ObjectType
	data []byte
}

func hashObject(typ plumbing.ObjectType, data []byte) plumbing.Hash {
	h := sha1.New()
	h.Write([]byte(typ.String() + " " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	var out plumbing.Hash
	copy(out[:], h.Sum(nil))
	return out
}

// packPolicy bounds one pack read.
type packPolicy struct {
	maxBlob     int64 // largest blob kept, inflated
	maxOther    int64 // largest tree, commit or tag, inflated
	maxInflated int64 // all kept objects together, inflated
	maxObjects  int   // objects in the pack
	// The options that raise maxBlob, maxObjects and maxInflated, for a *LimitError's hint ("" when none
	// does: a bound of skillctl's own, not the user's caps).
	blobFlag, objectsFlag, inflatedFlag string
	// skipOversize: hash an oversize blob while discarding it (a whole-repository fetch, where it may belong
	// to a folder nobody asked for) instead of failing at once (a fetch of wanted folders only).
	skipOversize bool
}

var errTooLarge = errors.New("object over the size limit")

// packResult is what readPack learned besides the objects it handed over.
type packResult struct {
	oversize         map[plumbing.Hash]int64 // blobs dropped for size, with their size (skipOversize only)
	deltasOnOversize int                     // deltas dropped because they make, or are made on, such a blob
}

// readPack reads a version-2 pack from r, resolves deltas, and calls put with every object and its hash.
// Limits are checked on each object's declared size before it is inflated, so a huge blob stops the read
// after its header. Deltas against objects outside the pack are refused: we never send haves.
func readPack(r io.Reader, pol packPolicy, put func(plumbing.Hash, object)) (packResult, error) {
	res := packResult{oversize: map[plumbing.Hash]int64{}}
	sc := packfile.NewScanner(r)
	_, count, err := sc.Header()
	if err != nil {
		return res, fmt.Errorf("reading pack header: %w", err)
	}
	if pol.maxObjects > 0 && int(count) > pol.maxObjects {
		return res, &LimitError{Problem: fmt.Sprintf("too many files: the server offered %d objects, over the limit of %d", count, pol.maxObjects), Flag: pol.objectsFlag}
	}
	type entry struct {
		typ  plumbing.ObjectType
		data []byte
		hash plumbing.Hash
	}
	byOffset := map[int64]*entry{}
	byHash := map[plumbing.Hash]*entry{}
	dropped := map[int64]bool{} // offsets of objects left out for their size (skipOversize)
	var inflated int64
	for i := uint32(0); i < count; i++ {
		hdr, err := sc.NextObjectHeader()
		if err != nil {
			return res, fmt.Errorf("reading pack object %d: %w", i, err)
		}
		// A delta is never larger than the object it makes plus its own instructions, so both bounds
		// hold for deltas too; their result is checked against its type's bound once the base is known.
		bound := max(pol.maxBlob, pol.maxOther)
		switch hdr.Type {
		case plumbing.BlobObject:
			bound = pol.maxBlob
		case plumbing.CommitObject, plumbing.TreeObject, plumbing.TagObject:
			bound = pol.maxOther
		}
		if hdr.Length < 0 || hdr.Length > bound && !(pol.skipOversize && hdr.Type == plumbing.BlobObject) {
			return res, errTooLarge
		}
		if hdr.Type == plumbing.BlobObject && hdr.Length > pol.maxBlob {
			h := sha1.New()
			h.Write([]byte("blob " + strconv.FormatInt(hdr.Length, 10) + "\x00"))
			if _, _, err := sc.NextObject(h); err != nil {
				return res, fmt.Errorf("reading pack object %d: %w", i, err)
			}
			var hh plumbing.Hash
			copy(hh[:], h.Sum(nil))
			res.oversize[hh] = hdr.Length
			dropped[hdr.Offset] = true
			continue
		}
		buf := make([]byte, 0, hdr.Length)
		w := &sliceWriter{b: buf}
		n, _, err := sc.NextObject(w)
		if err != nil {
			return res, fmt.Errorf("reading pack object %d: %w", i, err)
		}
		if n != hdr.Length {
			return res, fmt.Errorf("reading pack object %d: %d bytes, header said %d", i, n, hdr.Length)
		}
		data := w.b
		typ := hdr.Type
		switch hdr.Type {
		case plumbing.OFSDeltaObject, plumbing.REFDeltaObject:
			var base *entry
			if hdr.Type == plumbing.OFSDeltaObject {
				base = byOffset[hdr.OffsetReference]
			} else {
				base = byHash[hdr.Reference]
			}
			// A whole-commit fetch drops blobs over the limit, and the deltas on them, or making one, cannot
			// be resolved without holding them: they are left out too, counted, for assemble to explain a
			// file that is missing so. Only those: any other base missing is a broken pack.
			_, onDropped := res.oversize[hdr.Reference]
			if base == nil && pol.skipOversize && (hdr.Type == plumbing.OFSDeltaObject && dropped[hdr.OffsetReference] || hdr.Type == plumbing.REFDeltaObject && onDropped) {
				dropped[hdr.Offset] = true
				res.deltasOnOversize++
				continue
			}
			if base == nil {
				return res, fmt.Errorf("pack object %d: delta base not in pack", i)
			}
			limit := pol.maxOther
			if base.typ == plumbing.BlobObject {
				limit = pol.maxBlob
			}
			size := deltaTargetSize(data)
			if base.typ == plumbing.BlobObject && size > limit && pol.skipOversize {
				dropped[hdr.Offset] = true
				res.deltasOnOversize++
				continue
			}
			if size < 0 || size > limit {
				return res, errTooLarge
			}
			if data, err = packfile.PatchDelta(base.data, data); err != nil {
				return res, fmt.Errorf("pack object %d: %w", i, err)
			}
			typ = base.typ
		case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
		default:
			return res, fmt.Errorf("pack object %d: unknown type %d", i, hdr.Type)
		}
		inflated += int64(len(data))
		if pol.maxInflated > 0 && inflated > pol.maxInflated {
			return res, &LimitError{Problem: fmt.Sprintf("objects exceed the %s limit", humanBytes(pol.maxInflated)), Flag: pol.inflatedFlag}
		}
		e := &entry{typ: typ, data: data, hash: hashObject(typ, data)}
		byOffset[hdr.Offset] = e
		byHash[e.hash] = e
		put(e.hash, object{typ: typ, data: data})
	}
	return res, nil
}

// deltaTargetSize reads the result size from a delta's header (two LEB128 numbers: source, target).
func deltaTargetSize(d []byte) int64 {
	var vals [2]int64
	for k := 0; k < 2; k++ {
		var v int64
		var shift uint
		for {
			if len(d) == 0 || shift > 56 {
				return -1
			}
			b := d[0]
			d = d[1:]
			v |= int64(b&0x7f) << shift
			shift += 7
			if b&0x80 == 0 {
				break
			}
		}
		vals[k] = v
	}
	return vals[1]
}

// sliceWriter appends to a byte slice; the scanner's bounded writer keeps it within the declared size.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
