package query

// Library answers what the searched library holds, for the mapping of
// surnames and journal names. The index implements it from its own
// dictionaries; Parse calls it for candidate words, so answers must come
// from memory.
type Library interface {
	// Surname reports whether word (lower case) is an author surname in
	// the library that is not mostly an ordinary word there.
	Surname(word string) bool
	// Journal reports whether name (lower case) is a journal title,
	// MedlineTA or ISO abbreviation of a record in the library.
	Journal(name string) bool
}

// Mapping is what untagged terms are also tried as, besides words and the
// synonym table; either part may be nil.
type Mapping struct {
	Tags    *Tags   // taxonomy names: condition:ibd and the like
	Library Library // authors and journals of the library
}

// journalMaxWords bounds the word runs tried as a journal name.
const journalMaxWords = 12

// tagJournal is the [ta] tag, which a journal name typed untagged also searches.
var tagJournal = lookupTag("ta")
