// Public API of @bookstore/two-phase-commit: the participant's ledger and its decision resolver.
export {
  coordinatorProblems,
  type DecisionSource,
  grpcDecisionSource,
  type OpenTransaction,
  type ResolverOptions,
  resolveStaleTransactions,
  staleTransactions,
  startDecisionResolver,
  type Verdict,
} from "./decision-resolver.js";
export {
  type Acquire,
  type DecideOutcome,
  type DecideRefusal,
  type Decision,
  invariant,
  type LedgerImage,
  ParticipantLedger,
  type Prepared,
  type PrepareOutcome,
  type TxStatus,
} from "./participant.js";
