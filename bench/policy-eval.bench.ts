// Policy evaluation benchmark: CreateContainerRequest decisions/s against a generated pod policy, and parse+compile
// time of a ~2,000-line generated policy, each beside a baseline measured in the same run (JSON round trip of the
// same input) and the ratio between them.

import { PolicySession } from "../src/policy/evaluate.ts";
import { generateDeployment } from "../src/policy/generate-deployment.ts";
import { DEFAULT_RULES_TEXT } from "../src/policy/render-policy.ts";
import { buildPodRequests } from "../src/policy/requests/build-pod-requests.ts";
import { readGeneratedPods } from "../src/policy/requests/generated-pods.ts";
import { defaultSettings } from "../src/policy/settings.ts";
import { fakeImageResolver, TEST_INITIALIZER_IMAGE, testHandlerFor } from "../test/policy/fake-images.ts";
import { reportFigures } from "./lib/report.ts";
import { measure } from "./measure-rate.ts";

/** A Deployment with `n` app containers, each with env, a volume and a probe, so the policy grows with `n`. */
function deployment(n: number): string {
  const containers = Array.from(
    { length: n },
    (_, i) => `      - name: app${i}
        image: registry.example.com/app${i}:v1
        args: ["--port=80${i}", "--mode=serve"]
        env:
        - name: APP_INDEX
          value: "${i}"
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        volumeMounts:
        - {name: data, mountPath: /data${i}}
        readinessProbe:
          exec: {command: ["/bin/check", "--app=${i}"]}
`,
  ).join("");
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: bench, namespace: default}
spec:
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      runtimeClassName: contrast-cc
      volumes:
      - {name: data, emptyDir: {}}
      containers:
${containers}`;
}

async function generated(n: number) {
  const resolver = fakeImageResolver();
  const r = await generateDeployment({
    files: [{ path: "bench.yaml", text: deployment(n) }],
    handlerFor: testHandlerFor,
    initializerImage: TEST_INITIALIZER_IMAGE,
    rules: DEFAULT_RULES_TEXT,
    settings: defaultSettings(),
    imageResolver: resolver,
  });
  const [pod] = await readGeneratedPods(r.outputs, resolver);
  if (pod === undefined) throw new Error("no pod generated");
  return pod;
}

// 1. Evaluation: the last app container's CreateContainerRequest, with the pod's earlier requests already applied.
const pod = await generated(2);
const { requests } = buildPodRequests(pod.pod, pod.images);
const session = new PolicySession(pod.policyText);
const last = requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
for (const r of requests.slice(0, last)) session.evaluate(r);
const create = requests[last]!;
if (!session.evaluate(create).allowed) throw new Error("baseline request denied");
console.log(
  `policy: ${pod.policyText.split("\n").length} lines; CreateContainerRequest: ${JSON.stringify(create.request).length} bytes`,
);
const evalRate = measure("CreateContainerRequest evaluation (allowed)", 2000, () => {
  session.evaluate(create);
});
const evalBase = measure("baseline: JSON stringify+parse of the request", 1000, () => {
  JSON.parse(JSON.stringify(create.request));
});
console.log(
  `evaluation ratio: ${(evalBase / evalRate).toFixed(0)}x the cost of a JSON round trip of the request\n`,
);

// 2. Parse + compile of a ~2,000-line generated policy (rules + policy_data).
const big = await generated(3);
const lines = big.policyText.split("\n").length;
console.log(`policy: ${lines} lines, ${big.policyText.length} bytes`);
const parseRate = measure("parse + compile the policy", 2000, () => {
  new PolicySession(big.policyText);
});
const data = big.policyText.slice(big.policyText.indexOf("policy_data := ") + "policy_data := ".length);
const parseBase = measure("baseline: JSON.parse of its policy_data", 1000, () => {
  JSON.parse(data);
});
console.log(
  `parse ratio: ${(parseBase / parseRate).toFixed(0)}x the cost of JSON.parse of the data document`,
);
reportFigures("Rego: a generated pod policy (in-process)", [
  {
    name: "CreateContainerRequest evaluations",
    value: evalRate,
    unit: "/s",
    baseline: { name: "JSON stringify+parse of the request", value: evalBase },
    target: "≥ 2,000 /s",
    met: evalRate >= 2000,
  },
  {
    name: `parse + compile of the ${lines}-line policy`,
    value: 1000 / parseRate,
    unit: "ms",
    baseline: { name: "JSON.parse of its policy_data", value: 1000 / parseBase },
    target: "< 5 ms",
    met: 1000 / parseRate < 5,
  },
]);
