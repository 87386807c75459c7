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
        guard let url = try settings.checked("MEMOS_LLM_URL") else { return nil }
        guard let model = settings.string("MEMOS_LLM_MODEL") else {
            throw MemOSError(code: .failedPrecondition, message: "MEMOS_LLM_URL is set but MEMOS_LLM_MODEL is not")
        }
        return OpenAIChatModel(
            configuration: .init(
                baseURL: url,
                model: model,
                apiKey: settings.string("MEMOS_LLM_API_KEY"),
                timeout: .seconds(try settings.int("MEMOS_LLM_TIMEOUT_SECONDS") ?? 60),
                maxRetries: try settings.int("MEMOS_LLM_MAX_RETRIES") ?? 2,
                jsonMode: try settings.bool("MEMOS_LLM_JSON_MODE") ?? true
            ),
            logger: logger
        )
    }
}
