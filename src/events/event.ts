// One event of the town's log (spec §6.1), on its own so every reader and writer can name it.
export type EventVisibility = "audit" | "feed" | "both";

export interface TownEvent {
  ts: string;
  source: "gt";
  type: string;
  actor: string;
  payload: Record<string, unknown>;
  visibility: EventVisibility;
}
