/// A model that describes images in words (a vision-capable chat model): how an uploaded image becomes a memory.
public protocol VisionModel: Sendable {
    /// Id of the model, for logs and the document's memories.
    var modelID: String { get }
    /// A description of the image, following `prompt`.
    /// - Throws: `unavailable` when the model's service fails.
    func describe(image: [UInt8], mediaType: String, prompt: String) async throws -> String
}
