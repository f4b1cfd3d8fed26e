package jsontree

import "strconv"

// Field is one value near the top of a document, for a summary.
type Field struct {
	Path  string // jq-style, as Path gives it
	Value string // scalars as JSON text; lists as "[n]"
}

// Fields lists the values at most maxDepth levels below the root (its
// members are depth 1), in document order: scalars with their text, lists
// by their length; objects are entered only above maxDepth. It reads the
// tree already parsed, so a summary costs no second decode.
func (m Model) Fields(maxDepth int) []Field {
	if m.d == nil {
		return nil
	}
	var out []Field
	nodes := m.d.nodes
	for i := int32(1); i < int32(len(nodes)); {
		n := &nodes[i]
		switch {
		case int(n.depth) > maxDepth:
			i = n.end
			continue
		case n.kind == kArray:
			out = append(out, Field{m.d.path(i), "[" + strconv.Itoa(int(n.count)) + "]"})
			i = n.end
			continue
		case n.kind == kObject:
			if int(n.depth) >= maxDepth {
				i = n.end
				continue
			}
		default:
			out = append(out, Field{m.d.path(i), string(m.d.raw[n.valOff:n.valEnd])})
			if n.kind == kString {
				out[len(out)-1].Value = strconv.Quote(m.d.value(i))
			}
		}
		i++
	}
	return out
}
