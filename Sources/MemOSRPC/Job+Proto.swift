import MemOSCore
import MemOSProto
import SwiftProtobuf

// The job queue's domain types as the scheduler service's messages, both ways.

extension JobStatus {
    public init?(_ proto: Memos_Scheduler_V1_JobStatus) {
        switch proto {
        case .waiting: self = .waiting
        case .inProgress: self = .inProgress
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        case .dead: self = .dead
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    public var proto: Memos_Scheduler_V1_JobStatus {
        switch self {
        case .waiting: .waiting
        case .inProgress: .inProgress
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        case .dead: .dead
        }
    }
}

extension QueueMetrics {
    public var proto: Memos_Scheduler_V1_QueueMetrics {
        .with { metrics in
            metrics.counts = self.counts.sorted { $0.key < $1.key }.flatMap { kind, statuses in
                statuses.sorted { $0.key.rawValue < $1.key.rawValue }.map { status, jobs in
                    .with {
                        $0.kind = kind
                        $0.status = status.proto
                        $0.jobs = Int64(jobs)
                    }
                }
            }
            metrics.latencies = self.latency.sorted { $0.key < $1.key }.map { kind, figures in
                .with {
                    $0.kind = kind
                    $0.completionP50Seconds = figures.completionP50
                    $0.completionP95Seconds = figures.completionP95
                    $0.startP50Seconds = figures.startP50
                }
            }
        }
    }

    public init(_ proto: Memos_Scheduler_V1_QueueMetrics) {
        var counts: [String: [JobStatus: Int]] = [:]
        for count in proto.counts {
            guard let status = JobStatus(count.status) else { continue }
            counts[count.kind, default: [:]][status] = Int(count.jobs)
        }
        var latency: [String: (completionP50: Double, completionP95: Double, startP50: Double)] = [:]
        for figures in proto.latencies {
            latency[figures.kind] = (
                figures.completionP50Seconds, figures.completionP95Seconds, figures.startP50Seconds
            )
        }
        self.init(counts: counts, latency: latency)
    }
}
