export {
  DatabaseClient,
  type DatabaseClientOptions,
  DatabaseError,
  type NodeStatus,
  type ReadResult,
  type StockResult,
  ValueType,
} from "./database-client.js";
