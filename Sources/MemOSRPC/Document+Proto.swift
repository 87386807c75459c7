import MemOSCore
import MemOSProto
import SwiftProtobuf

// Documents as the ingest service's messages, both ways.

extension DocumentStatus {
    public init?(_ proto: Memos_Ingest_V1_DocumentStatus) {
        switch proto {
        case .queued: self = .queued
        case .parsing: self = .parsing
        case .ready: self = .ready
        case .failed: self = .failed
        case .deleted: self = .deleted
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    public var proto: Memos_Ingest_V1_DocumentStatus {
        switch self {
        case .queued: .queued
        case .parsing: .parsing
        case .ready: .ready
        case .failed: .failed
        case .deleted: .deleted
        }
    }
}

extension Document {
    public var proto: Memos_Ingest_V1_Document {
        .with {
            $0.id = self.id.lowercasedString
            $0.cubeID = self.cubeID
            $0.name = self.name
            $0.mediaType = self.mediaType
            $0.sizeBytes = self.sizeBytes
            $0.sha256 = self.sha256
            $0.status = self.status.proto
            $0.title = self.title
            $0.pageCount = Int32(clamping: self.pageCount)
            $0.chunkCount = Int32(clamping: self.chunkCount)
            $0.chunksDone = Int32(clamping: self.chunksDone)
            $0.error = self.error
            $0.errorReason = self.errorReason
            $0.authorUserID = self.authorUserID.lowercasedString
            $0.jobID = self.jobID?.lowercasedString ?? ""
            $0.sessionID = self.sessionID
            $0.tags = self.tags
            $0.info = Google_Protobuf_Struct(jsonObject: self.info)
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(date: self.updatedAt)
        }
    }
}
