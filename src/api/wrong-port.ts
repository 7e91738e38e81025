// Names the likely mistake when a Coordinator address answers 404 for the API a command expects there: the user API
// (1313) and the mesh API (7777) are different ports of the same Coordinator, and each 404s the other's routes.

import { UnavailableError } from "../common/errors.ts";
import { postJson } from "./client.ts";
import { COORDINATOR_API_PORTS } from "./endpoint.ts";

export type CoordinatorApi = "user" | "mesh";

/** A route each API always serves: a POST with an empty object gets any answer but 404 where the route exists. */
const PROBE_PATH: Record<CoordinatorApi, string> = { user: "/v1/attest", mesh: "/v1/mesh/attest" };

const HOW_TO_NAME: Record<CoordinatorApi, string> = {
  user: `-c HOST:${COORDINATOR_API_PORTS.user}`,
  mesh: `COORDINATOR_HOST=HOST:${COORDINATOR_API_PORTS.mesh}`,
};

/**
 * The error for a 404 of `POST path` at `endpoint`, where `expected` should be served. Asks the same address whether
 * it serves the other API (an empty, unauthenticated request that carries nothing) to tell "wrong port of a
 * Coordinator" (code wrong_api_port) from "not a Coordinator" (not_a_coordinator). Both are permanent: exit 6.
 */
export async function explainNotFound(
  endpoint: string,
  expected: CoordinatorApi,
  path: string,
): Promise<UnavailableError> {
  const other: CoordinatorApi = expected === "user" ? "mesh" : "user";
  const servesOther = await postJson(
    endpoint,
    PROBE_PATH[other],
    {},
    {
      trust: { kind: "unverified-until-attested" }, // only the status is read
      timeoutMs: 5000,
    },
  ).then(
    (r) => r.status !== 404,
    () => false,
  );
  const ports = COORDINATOR_API_PORTS;
  if (servesOther) {
    return new UnavailableError(
      "wrong_api_port",
      `${endpoint} answered 404 for POST ${path} but serves the coordinator's ${other} API: this looks like the ${other} API port ${ports[other]}; the ${expected} API is ${ports[expected]} (${HOW_TO_NAME[expected]})`,
    );
  }
  return new UnavailableError(
    "not_a_coordinator",
    `${endpoint} answered 404 for POST ${path}: not the ${expected} API of a contrast coordinator (port ${ports[expected]}, ${HOW_TO_NAME[expected]})`,
  );
}
