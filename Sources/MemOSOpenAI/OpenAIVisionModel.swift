import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore

/// A vision-capable chat model behind an OpenAI-compatible `POST {base}/v1/chat/completions` endpoint: the image
/// goes as an `image_url` content part holding a `data:` URL, beside the prompt as a `text` part.
public struct OpenAIVisionModel: VisionModel {
    public let configuration: OpenAIChatModel.Configuration
    let http: OpenAICompatibleHTTP
    public var modelID: String { self.configuration.model }

    /// - Parameter configuration: as for ``OpenAIChatModel`` (`MEMOS_LLM_URL`, `MEMOS_LLM_API_KEY`, …), with the
    ///   model of `MEMOS_VISION_MODEL`; `jsonMode` is not used.
    public init(configuration: OpenAIChatModel.Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = OpenAICompatibleHTTP(
            configuration,
            service: "the vision model's service",
            client: client,
            logger: logger
        )
    }

    struct RequestBody: Encodable {
        struct Message: Encodable {
            var role = "user"
            var content: [Part]
        }

        struct Part: Encodable {
            struct ImageURL: Encodable {
                var url: String
            }

            var type: String
            var text: String?
            var imageURL: ImageURL?

            enum CodingKeys: String, CodingKey {
                case type, text
                case imageURL = "image_url"
            }
        }

        var model: String
        var messages: [Message]
        var temperature: Double = 0
    }

    public func describe(image: [UInt8], mediaType: String, prompt: String) async throws -> String {
        let url = "data:\(mediaType);base64,\(Data(image).base64EncodedString())"
        let body = try await self.http.post(
            path: "/v1/chat/completions",
            body: RequestBody(
                model: self.configuration.model,
                messages: [
                    .init(content: [
                        .init(type: "text", text: prompt), .init(type: "image_url", imageURL: .init(url: url)),
                    ])
                ]
            )
        )
        guard let decoded = try? JSONDecoder().decode(OpenAIChatModel.ResponseBody.self, from: body),
            let content = decoded.choices.first?.message.content
        else {
            throw MemOSError(code: .unavailable, message: "the vision model's answer is not a chat completion")
        }
        return content
    }
}
