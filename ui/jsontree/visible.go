package jsontree

import "slices"

// doc is the parsed document and its fold state. The list of visible
// lines is kept up to date by each fold and unfold instead of being rebuilt:
// unfolding inserts the newly shown nodes after the node's line, folding
// cuts its descendants out. Because nodes are in document order, vis is
// sorted, and finding a node's line is a binary search.
type doc struct {
	raw   []byte
	nodes []node
	vis   []int32 // visible line -> node
}

func newDoc(raw []byte, nodes []node) *doc {
	d := &doc{raw: raw, nodes: nodes}
	// Initially the root and its direct children are unfolded.
	for i := range d.nodes {
		if n := &d.nodes[i]; n.container() && n.depth >= 2 {
			n.flags |= fFolded
		}
	}
	d.vis = d.appendVisible(make([]int32, 0, 64), 0, int32(len(nodes)))
	return d
}

// appendVisible appends the nodes in [from, to) whose ancestors within that
// range are unfolded, skipping folded subtrees whole.
func (d *doc) appendVisible(dst []int32, from, to int32) []int32 {
	for i := from; i < to; {
		dst = append(dst, i)
		if n := &d.nodes[i]; n.folded() {
			i = n.end
		} else {
			i++
		}
	}
	return dst
}

// line returns the line showing node i, or -1 if it is hidden.
func (d *doc) line(i int32) int {
	l, ok := slices.BinarySearch(d.vis, i)
	if !ok {
		return -1
	}
	return l
}

// foldable reports whether node i has children to show or hide.
func (d *doc) foldable(i int32) bool {
	n := &d.nodes[i]
	return n.container() && n.count > 0
}

// unfold shows the children of the visible node i (and whatever below them
// is already unfolded).
func (d *doc) unfold(i int32) {
	n := &d.nodes[i]
	if !n.folded() {
		return
	}
	n.flags &^= fFolded
	l := d.line(i)
	if l < 0 {
		return // hidden: it will show unfolded once an ancestor opens
	}
	add := d.appendVisible(nil, i+1, n.end)
	d.vis = slices.Insert(d.vis, l+1, add...)
}

// fold hides the descendants of node i.
func (d *doc) fold(i int32) {
	n := &d.nodes[i]
	if !n.container() || n.folded() {
		return
	}
	n.flags |= fFolded
	l := d.line(i)
	if l < 0 {
		return
	}
	// The descendants are the lines after l with node indices below end.
	stop, _ := slices.BinarySearch(d.vis, n.end)
	d.vis = slices.Delete(d.vis, l+1, stop)
}

// reveal unfolds every ancestor of node i so that it is visible. The flags
// are cleared first and the lines inserted once, under the top-most folded
// ancestor, so a match 10,000 levels deep costs one insertion, not 10,000.
func (d *doc) reveal(i int32) {
	top := int32(-1)
	for p := d.nodes[i].parent; p >= 0; p = d.nodes[p].parent {
		if d.nodes[p].folded() {
			d.nodes[p].flags &^= fFolded
			top = p
		}
	}
	if top < 0 {
		return
	}
	l := d.line(top)
	add := d.appendVisible(nil, top+1, d.nodes[top].end)
	d.vis = slices.Insert(d.vis, l+1, add...)
}

// unfoldAll shows every node.
func (d *doc) unfoldAll() {
	for i := range d.nodes {
		d.nodes[i].flags &^= fFolded
	}
	d.vis = d.vis[:0]
	for i := range d.nodes {
		d.vis = append(d.vis, int32(i))
	}
}

// foldAll folds every container but the root, whose members stay listed:
// a single folded line would tell the reader nothing.
func (d *doc) foldAll() {
	for i := 1; i < len(d.nodes); i++ {
		if d.nodes[i].container() {
			d.nodes[i].flags |= fFolded
		}
	}
	d.nodes[0].flags &^= fFolded
	d.vis = d.appendVisible(d.vis[:0], 0, int32(len(d.nodes)))
}

// nearestVisible returns the line of node i, or of its closest visible
// ancestor. The root is always visible.
func (d *doc) nearestVisible(i int32) int {
	for ; i >= 0; i = d.nodes[i].parent {
		if l := d.line(i); l >= 0 {
			return l
		}
	}
	return 0
}
