/**
 * Changes made to FerretDB's own sources before the embedded database is built (build.ts applies
 * them to a copy of the module, never to the module cache). Each is an exact text replacement that
 * must match once: a FerretDB upgrade that changes the text stops the build with the patch's name,
 * rather than building without it. MongoDB, and FerretDB run by anyone else, need none of them.
 */
export interface SourcePatch {
  name: string;
  /** Path inside the FerretDB module. */
  file: string;
  /** What it changes and why, for the next reader. */
  why: string;
  find: string;
  replace: string;
}

const UPSTREAM_ID_PUSHDOWN = `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
`;

/** A patch making one of FerretDB's lifetime-tracking functions (resource.go) return at once outside debug builds. */
function debugBuildsOnly(fn: 'Track' | 'Untrack', why: string): SourcePatch {
  const head = `func ${fn}(obj any, token *Token) {
`;
  return {
    name: `lifetime-tracking-in-debug-builds-only (${fn.toLowerCase()})`,
    file: 'internal/util/resource/resource.go',
    why,
    find: `${head}	checkArgs(obj, token)
`,
    replace: `${head}	if !debugbuild.Enabled {
		return // patched by the embedded build (store/embedded/patches.ts)
	}

	checkArgs(obj, token)
`,
  };
}

export const PATCHES: readonly SourcePatch[] = [
  {
    name: 'id-lookup-for-guarded-writes (query)',
    file: 'internal/backends/sqlite/collection.go',
    why:
      'FerretDB looks a document up by _id only for a filter that is exactly {_id}; a guarded write ' +
      '({_id, version: 3}, how every state change here is written) read and decoded every document of ' +
      'the collection in Go. A filter with a string or ObjectID _id matches at most that one document ' +
      'whatever else it says, and the handler still applies the whole filter to what the query returns.',
    find: `${UPSTREAM_ID_PUSHDOWN}			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
    replace: `	if v, ok := exactID(params.Filter); ok {
		whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
		args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
	}
`,
  },
  {
    name: 'id-lookup-for-guarded-writes (explain)',
    file: 'internal/backends/sqlite/collection.go',
    why: 'explain reports the same lookup as the query runs.',
    find: `${UPSTREAM_ID_PUSHDOWN}			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
    replace: `	if v, ok := exactID(params.Filter); ok {
		filterPushdown = true
		whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
		args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
	}
`,
  },
  {
    name: 'id-lookup-for-guarded-writes (helper)',
    file: 'internal/backends/sqlite/collection.go',
    why: 'the one place that decides whether a filter names one document by _id.',
    find: `// check interfaces
`,
    replace: `// exactID returns the filter's top-level _id when it is a string or an ObjectID:
// such a filter matches at most the document with that _id, whatever its other
// conditions. Patched in by the embedded build (store/embedded/patches.ts).
func exactID(filter *types.Document) (any, bool) {
	n := 0
	for _, k := range filter.Keys() {
		if k == "_id" {
			n++
		}
	}
	if n != 1 {
		return nil, false
	}

	v, _ := filter.Get("_id")
	switch v.(type) {
	case string, types.ObjectID:
		return v, true
	}

	return nil, false
}

// check interfaces
`,
  },
  debugBuildsOnly('Track',
    'FerretDB tracks the lifetime of every iterator, transaction and connection it opens through a ' +
    'pprof profile (a stack captured with runtime.Callers) and a finalizer, to panic on a leak in its own ' +
    'tests. In a release build nothing reads them, and they cost about 5% of its CPU on our commands. ' +
    'A debug build (debugbuild.Enabled) keeps them.'),
  debugBuildsOnly('Untrack', 'what Track no longer tracks, Untrack must not look for (it panics on an object it does not know).'),
];

/** The patched text of one file, or an error naming the patch whose text is not there exactly once. */
export function applyPatches(file: string, text: string, patches: readonly SourcePatch[] = PATCHES): string {
  let out = text;
  for (const p of patches.filter((x) => x.file === file)) {
    const at = out.indexOf(p.find);
    if (at < 0 || out.indexOf(p.find, at + 1) >= 0) {
      throw new Error(`FerretDB patch "${p.name}" no longer fits ${file} (its text is ${at < 0 ? 'not there' : 'there more than once'}): update store/embedded/patches.ts for this FerretDB version`);
    }
    out = out.slice(0, at) + p.replace + out.slice(at + p.find.length);
  }
  return out;
}
