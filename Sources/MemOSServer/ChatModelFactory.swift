import Foundation
import Logging
import MemOSCore
import MemOSOpenAI

/// The LLM of the fine reader, from the environment; none when `MEMOS_LLM_URL` is unset.
///
/// `MEMOS_LLM_URL` (base URL of an OpenAI-compatible API, for example `https://api.openai.com` or
/// `http://localhost:11434` for Ollama), `MEMOS_LLM_MODEL` (required with a URL), `MEMOS_LLM_API_KEY`,
/// `MEMOS_LLM_TIMEOUT_SECONDS` (default 60), `MEMOS_LLM_MAX_RETRIES` (default 2), `MEMOS_LLM_JSON_MODE`
/// (default true).
public enum ChatModelFactory {
    public static func make(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws -> (any ChatModel)? {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        guard let url = value("MEMOS_LLM_URL") else { return nil }
        guard let model = value("MEMOS_LLM_MODEL") else {
            throw MemOSError(code: .failedPrecondition, message: "MEMOS_LLM_URL is set but MEMOS_LLM_MODEL is not")
        }
        return OpenAIChatModel(
            configuration: .init(
                baseURL: url,
                model: model,
                apiKey: value("MEMOS_LLM_API_KEY"),
                timeout: .seconds(value("MEMOS_LLM_TIMEOUT_SECONDS").flatMap(Int.init) ?? 60),
                maxRetries: value("MEMOS_LLM_MAX_RETRIES").flatMap(Int.init) ?? 2,
                jsonMode: value("MEMOS_LLM_JSON_MODE").map { $0 != "false" && $0 != "0" } ?? true
            ),
            logger: logger
        )
    }
}
