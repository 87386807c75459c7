/// The documented size and count limits of the API. Every one is checked before anything is written.
public enum Limits {
    /// Bytes of UTF-8 in a memory's content.
    public static let maxContentBytes = 16_384
    /// Bytes of UTF-8 in one chat message.
    public static let maxMessageBytes = 32_768
    /// Messages in one AddMessages request.
    public static let maxMessagesPerRequest = 1_000
    /// Items in one AddMemories request.
    public static let maxItemsPerRequest = 500
    /// Bytes of a whole request (gRPC message or HTTP body).
    public static let maxRequestBytes = 4 * 1_024 * 1_024
    /// Bytes of a memory key.
    public static let maxKeyBytes = 256
    /// Tags on one memory.
    public static let maxTags = 32
    /// Bytes of one tag.
    public static let maxTagBytes = 64
    /// Bytes of `info` serialised as JSON.
    public static let maxInfoBytes = 16_384
    /// Bytes of an id-like string: session id, message id, idempotency key, cube id.
    public static let maxIdentifierBytes = 128
    /// Sources on one memory.
    public static let maxSources = 64
    /// Tool calls in one assistant turn.
    public static let maxToolCalls = 32
    /// Ids in one get/delete/restore request.
    public static let maxIDsPerRequest = 1_000
    /// Bytes of a search query.
    public static let maxQueryBytes = 8_192
    /// Cubes in one search.
    public static let maxCubesPerSearch = 32
    /// Largest `top_k`.
    public static let maxTopK = 100
    /// Default `top_k`.
    public static let defaultTopK = 10
    /// Largest page of a listing.
    public static let maxPageSize = 500
    /// A cube's memory time-to-live: one minute to 100 years.
    public static let minMemoryTTLSeconds = 60
    public static let maxMemoryTTLSeconds = 100 * 365 * 86_400
    /// Deepest a MemOS-style numbered page reaches: `page × page_size` at most this.
    public static let maxMemOSPageWindow = 10_000
    /// Default page of a listing.
    public static let defaultPageSize = 50
    /// The default cut on a search hit's score (the estimated probability that it is relevant): every hit returned
    /// reaches it. Chosen with ``defaultBestHitScore`` on LoCoMo (docs/benchmarks.md, "Relevance").
    public static let defaultRelativity: Float = 0.005
    /// By default a search returns nothing unless its best hit's score reaches this: what tells a search with
    /// something relevant from one with nothing relevant. An explicit `relativity` replaces both defaults.
    public static let defaultBestHitScore: Float = 0.025
    /// Bytes of a user name (ASCII letters, digits and `-_.@`).
    public static let maxUserNameBytes = 64
    /// Bytes of a cube's or an API key's display name.
    public static let maxDisplayNameBytes = 256
    /// Bytes of an uploaded document (AddDocument, `POST /v1/documents`), enforced while it streams in.
    public static let maxDocumentBytes = 50 * 1_024 * 1_024
    /// Bytes of one data message of an AddDocument stream.
    public static let maxDocumentPartBytes = 1_024 * 1_024
    /// Documents of at most this many bytes (but PDFs) are parsed before AddDocument returns; larger ones are
    /// queued for the scheduler.
    public static let maxInlineDocumentBytes = 1_024 * 1_024
    /// A document parsed inline is also embedded before AddDocument returns when it makes at most this many chunks
    /// (a few seconds of the built-in embedder's time); with more, it is queued.
    public static let maxInlineDocumentChunks = 64
    /// Bytes of a document's file name.
    public static let maxDocumentNameBytes = 256
    /// Chunks one document may make.
    public static let maxDocumentChunks = 20_000
    /// Tokens a chunk repeats from the one before it: at most this; default ``defaultChunkOverlapTokens``.
    public static let maxChunkOverlapTokens = 128
    public static let defaultChunkOverlapTokens = 32
}

extension Limits {
    /// Bytes of a whole response: the 4 MiB gRPC message limit every client enforces by default, less 64 KiB of
    /// room. Listings end a page early, search leaves out its lowest hits and get-by-ids lists the rest as
    /// `omitted_ids` rather than cross it.
    public static let maxResponseBytes = 4 * 1_024 * 1_024 - 64 * 1_024
}
