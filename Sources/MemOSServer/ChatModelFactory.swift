import Foundation
import Logging
import MemOSCore
import MemOSOpenAI

/// The LLM of the fine reader, from the settings; none when `MEMOS_LLM_URL` is unset.
///
/// `MEMOS_LLM_URL` (base URL of an OpenAI-compatible API, for example `https://api.openai.com` or
/// `http://localhost:11434` for Ollama), `MEMOS_LLM_MODEL` (required with a URL), `MEMOS_LLM_API_KEY`,
/// `MEMOS_LLM_TIMEOUT_SECONDS` (default 60), `MEMOS_LLM_MAX_RETRIES` (default 2), `MEMOS_LLM_JSON_MODE`
/// (default true).
public enum ChatModelFactory {
    public static func make(settings: Settings, logger: Logger) throws -> (any ChatModel)? {
        try self.configuration(settings: settings).map { OpenAIChatModel(configuration: $0, logger: logger) }
    }

    /// The `MEMOS_LLM_*` settings as a client configuration, with `model` instead of `MEMOS_LLM_MODEL` when given;
    /// nil when `MEMOS_LLM_URL` is unset.
    static func configuration(settings: Settings, model: String? = nil) throws -> OpenAIChatModel.Configuration? {
        guard let url = try settings.checked("MEMOS_LLM_URL") else { return nil }
        guard let model = model ?? settings.string("MEMOS_LLM_MODEL") else {
            throw MemOSError(code: .failedPrecondition, message: "MEMOS_LLM_URL is set but MEMOS_LLM_MODEL is not")
        }
        return .init(
            baseURL: url,
            model: model,
            apiKey: settings.string("MEMOS_LLM_API_KEY"),
            timeout: .seconds(try settings.int("MEMOS_LLM_TIMEOUT_SECONDS") ?? 60),
            maxRetries: try settings.int("MEMOS_LLM_MAX_RETRIES") ?? 2,
            jsonMode: try settings.bool("MEMOS_LLM_JSON_MODE") ?? true
        )
    }
}

/// The LLM of the gateway's chat routes, from the same `MEMOS_LLM_*` settings; none when `MEMOS_LLM_URL` is unset.
public enum AnswerModelFactory {
    public static func make(settings: Settings, logger: Logger) throws -> (any AnswerModel)? {
        try ChatModelFactory.configuration(settings: settings).map {
            OpenAIAnswerModel(configuration: $0, logger: logger)
        }
    }
}

/// The vision model that describes uploaded images, from the settings; none when `MEMOS_VISION_MODEL` is unset.
///
/// It is served by the API of `MEMOS_LLM_URL`, with its key, timeout and retries.
public enum VisionModelFactory {
    public static func make(settings: Settings, logger: Logger) throws -> (any VisionModel)? {
        guard let model = settings.string("MEMOS_VISION_MODEL") else { return nil }
        guard let configuration = try ChatModelFactory.configuration(settings: settings, model: model) else {
            throw MemOSError(code: .failedPrecondition, message: "MEMOS_VISION_MODEL is set but MEMOS_LLM_URL is not")
        }
        return OpenAIVisionModel(configuration: configuration, logger: logger)
    }
}

/// The search's reranker, from the settings; none when `MEMOS_RERANKER_URL` is unset.
///
/// `MEMOS_RERANKER_URL` (the `/rerank` endpoint of a TEI, Jina or Cohere-style server), `MEMOS_RERANKER_MODEL`
/// (sent when set, in Cohere's and Jina's dialect), `MEMOS_RERANKER_API_KEY`, `MEMOS_RERANKER_TOP_N` (how many of
/// the best hits it reorders, default 20), `MEMOS_RERANKER_TIMEOUT_MS` (default 2,000).
public enum RerankerFactory {
    public static func make(settings: Settings, logger: Logger) throws -> (reranker: any Reranker, depth: Int)? {
        guard let url = try settings.checked("MEMOS_RERANKER_URL") else { return nil }
        let reranker = HTTPReranker(
            configuration: .init(
                url: url,
                model: settings.string("MEMOS_RERANKER_MODEL"),
                apiKey: settings.string("MEMOS_RERANKER_API_KEY"),
                timeout: .milliseconds(try settings.int("MEMOS_RERANKER_TIMEOUT_MS") ?? 2_000)
            ),
            logger: logger
        )
        return (reranker, try settings.int("MEMOS_RERANKER_TOP_N") ?? 20)
    }
}
