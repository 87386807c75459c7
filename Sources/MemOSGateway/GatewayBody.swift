import Foundation
import MemOSCore
import MemOSProto
import SwiftProtobuf

/// A request the gateway forwards, decodable from a JSON body.
protocol GatewayBody: Sendable {
    init(json: Data) throws
}

extension GatewayBody where Self: SwiftProtobuf.Message {
    /// Parses the body once; only a body the proto reader refuses is parsed again, to say what is wrong.
    init(json: Data) throws {
        do {
            self = try Self(jsonUTF8Data: json)
        } catch {
            try checkJSONSyntax(json)
            throw MemOSError.invalidArgument(
                "the request body is not valid JSON for \(Self.protoMessageName): \(error)"
            )
        }
    }
}

extension Memos_Ingest_V1_AddMessagesRequest: GatewayBody {}

extension Memos_Ingest_V1_AddMemoriesRequest: GatewayBody {}

extension Memos_Ingest_V1_UpdateMemoryRequest: GatewayBody {}

extension Memos_Ingest_V1_DeleteMemoriesRequest: GatewayBody {}

extension Memos_Ingest_V1_RestoreMemoriesRequest: GatewayBody {}

extension Memos_Ingest_V1_ArchiveMemoriesRequest: GatewayBody {}

extension Memos_Ingest_V1_GetHistoryRequest: GatewayBody {}

extension Memos_Ingest_V1_GetDocumentRequest: GatewayBody {}

extension Memos_Ingest_V1_ListDocumentsRequest: GatewayBody {}

extension Memos_Ingest_V1_DeleteDocumentRequest: GatewayBody {}

extension Memos_Ingest_V1_RestoreDocumentRequest: GatewayBody {}

extension Memos_Ingest_V1_ReparseDocumentRequest: GatewayBody {}

extension Memos_Ingest_V1_SubmitFeedbackRequest: GatewayBody {}

extension Memos_Retrieval_V1_SearchRequest: GatewayBody {}

extension Memos_Retrieval_V1_GetMemoriesRequest: GatewayBody {}

extension Memos_Retrieval_V1_ListMemoriesRequest: GatewayBody {}

extension Memos_Retrieval_V1_CountMemoriesRequest: GatewayBody {}

extension Memos_Scheduler_V1_SubmitEventRequest: GatewayBody {}

extension Memos_Scheduler_V1_GetJobRequest: GatewayBody {}

extension Memos_Scheduler_V1_ListJobsRequest: GatewayBody {}

extension Memos_Scheduler_V1_CancelJobRequest: GatewayBody {}

extension Memos_Scheduler_V1_WaitUntilIdleRequest: GatewayBody {}

extension Memos_Scheduler_V1_GetStatusSummaryRequest: GatewayBody {}

/// The body of `POST /v1/memories`: an AddMemoriesRequest, or the shorthand for one memory
/// `{"cube_id": ..., "content": ..., "session_id"?, "idempotency_key"?, ...MemoryInput fields}`.
struct AddMemoriesBody: GatewayBody {
    var request: Memos_Ingest_V1_AddMemoriesRequest

    init(json: Data) throws {
        try checkJSONSyntax(json)
        let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
        guard let object, object["content"] != nil else {
            self.request = try Memos_Ingest_V1_AddMemoriesRequest(json: json)
            return
        }
        var itemObject = object
        for key in ["cube_id", "cubeId", "session_id", "sessionId", "idempotency_key", "idempotencyKey"] {
            itemObject.removeValue(forKey: key)
        }
        let item: Memos_Ingest_V1_MemoryInput
        do {
            item = try Memos_Ingest_V1_MemoryInput(jsonUTF8Data: try JSONSerialization.data(withJSONObject: itemObject))
        } catch {
            throw MemOSError.invalidArgument("the request body is not a valid memory: \(error)")
        }
        func string(_ names: String...) throws -> String {
            for name in names {
                guard let value = object[name] else { continue }
                guard let text = value as? String else { throw MemOSError.invalidArgument("\(name) must be a string") }
                return text
            }
            return ""
        }
        let cubeID = try string("cube_id", "cubeId")
        let sessionID = try string("session_id", "sessionId")
        let key = try string("idempotency_key", "idempotencyKey")
        self.request = .with {
            $0.cubeID = cubeID
            $0.sessionID = sessionID
            $0.idempotencyKey = key
            $0.items = [item]
        }
    }

}

/// Rejects a body that is not a JSON object, before any field is read.
func checkJSONSyntax(_ json: Data) throws {
    if json.isEmpty { throw MemOSError.invalidArgument("the request body is empty; send a JSON object") }
    guard (try? JSONSerialization.jsonObject(with: json)) is [String: Any] else {
        throw MemOSError.invalidArgument("the request body is not a valid JSON object")
    }
}
