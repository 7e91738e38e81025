// Rego evaluator benchmark: parse+compile time of a ~2,000-line generated policy and CreateContainerRequest
// evaluations per second, each beside a JSON.parse baseline of the same input size measured in the same run.

import { RegoEngine } from "../src/rego/index.ts";
import { agentPolicy, agentRequest } from "../test/rego/fixtures/agent-like.ts";
import { reportFigures } from "./lib/report.ts";
import { measure } from "./measure-rate.ts";

// A genpolicy-shaped document: rules followed by a pretty-printed policy_data with many containers.
const policy = agentPolicy(20);
const lines = policy.split("\n").length;
const policyData = policy.slice(policy.indexOf("policy_data := ") + "policy_data := ".length);
console.log(
  `policy: ${lines} lines, ${policy.length} bytes; request: ${JSON.stringify(agentRequest(7)).length} bytes`,
);

const parseRate = measure("parse + compile policy", 1500, () => {
  new RegoEngine().addPolicy("bench.rego", policy);
});
const parseBase = measure("baseline: JSON.parse of policy_data", 1500, () => {
  JSON.parse(policyData);
});
console.log(
  `parse ratio: policy parse is ${(parseBase / parseRate).toFixed(1)}x slower than JSON.parse of its data\n`,
);

const engine = new RegoEngine();
engine.addPolicy("bench.rego", policy);
engine.setData({ pstate: {} });
const request = agentRequest(7);
const requestText = JSON.stringify(request);
const probe = engine.evalRule("data.agent_policy.CreateContainerRequest", request);
if ((probe.value as { allowed?: boolean } | undefined)?.allowed !== true)
  throw new Error("bench request must be allowed");
console.log(`one evaluation: ${probe.steps} steps`);

const evalRate = measure("CreateContainerRequest evaluations", 2000, () => {
  engine.evalRule("data.agent_policy.CreateContainerRequest", JSON.parse(requestText));
});
const evalBase = measure("baseline: JSON.parse of the request", 2000, () => {
  JSON.parse(requestText);
});
console.log(
  `eval ratio: one evaluation costs ${(evalBase / evalRate).toFixed(1)}x a JSON.parse of the request`,
);
reportFigures("Rego engine on an agent-like policy (in-process)", [
  {
    name: `parse + compile of a ${lines}-line policy`,
    value: 1000 / parseRate,
    unit: "ms",
    baseline: { name: "JSON.parse of its policy_data", value: 1000 / parseBase },
  },
  {
    name: "CreateContainerRequest evaluations",
    value: evalRate,
    unit: "/s",
    baseline: { name: "JSON.parse of the request", value: evalBase },
  },
]);
