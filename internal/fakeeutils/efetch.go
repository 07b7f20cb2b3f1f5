package fakeeutils

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// MaxFetch is NCBI's cap on records per efetch request.
const MaxFetch = 10000

const efetchHead = `<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
`

// efetch answers an id list (GET or POST, comma or space separated; unknown
// PMIDs left out, as NCBI does) or a WebEnv/query_key slice from retstart,
// retmax records long (all of it, up to MaxFetch, when retmax is absent).
// Records are the exact Source bytes they were added with, in order.
func (s *Server) efetch(p url.Values) response {
	if db := first(p, "db"); db != "" && db != "pubmed" {
		return efetchError("Invalid db name specified: " + db)
	}
	var ids []uint64
	switch rawIDs := strings.Join(p["id"], ","); {
	case strings.TrimSpace(rawIDs) != "":
		seen := map[uint64]bool{}
		for f := range strings.FieldsFuncSeq(rawIDs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
			id, err := strconv.ParseUint(f, 10, 64)
			if err != nil || id == 0 || seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return efetchError("ID list is empty! Possibly it has no correct IDs.")
		}
	case first(p, "WebEnv") != "":
		key := intParam(p, "query_key", 1)
		stored, ok := s.recall(first(p, "WebEnv"), key)
		if !ok {
			return efetchError(fmt.Sprintf("Unable to obtain query #%d", key))
		}
		start := intParam(p, "retstart", 0)
		n := min(intParam(p, "retmax", MaxFetch), MaxFetch)
		if start < len(stored) {
			ids = stored[start:min(len(stored), start+n)]
		}
	default:
		return efetchError("Empty id list - nothing todo")
	}

	var b bytes.Buffer
	b.WriteString(efetchHead)
	b.WriteString("<PubmedArticleSet>\n")
	s.mu.RLock()
	for _, id := range ids {
		// A record deleted after the search is gone, as at NCBI.
		if r := s.records[id]; r != nil {
			b.Write(r.src)
			b.WriteByte('\n')
		}
	}
	s.mu.RUnlock()
	b.WriteString("</PubmedArticleSet>\n")
	return xmlResponse(b.Bytes())
}

// efetchError is NCBI's efetch error inside a 200.
func efetchError(msg string) response {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">
<eFetchResult>
	<ERROR>`)
	escapeText(&b, msg)
	b.WriteString("</ERROR>\n</eFetchResult>\n")
	return xmlResponse(b.Bytes())
}
