// The pod the injection tests patch: a confidential pod with one init container (setup) and one container (app).

/** Where findings about the pod are reported from. */
export const LOC = { file: "p.yaml", docIndex: 0, kind: "Pod", name: "p" };

/** `annotations`: lines indented under metadata.annotations; `setupComment`: a comment on the setup line (kept?). */
export function confidentialPod(opts: { annotations?: string; setupComment?: string } = {}): string {
  const annotations = opts.annotations === undefined ? "" : `  annotations:\n${opts.annotations}\n`;
  const comment = opts.setupComment === undefined ? "" : ` # ${opts.setupComment}`;
  return `apiVersion: v1
kind: Pod
metadata:
  name: p
${annotations}spec:
  runtimeClassName: contrast-cc
  initContainers:
  - name: setup${comment}
    image: busybox
  containers:
  - name: app
    image: nginx
`;
}

/** The fields of an injected container the tests look at. */
export interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  env?: { name: string; value: string }[];
  ports?: unknown[];
  securityContext?: unknown;
  startupProbe?: { exec: { command: string[] } };
  volumeMounts?: unknown[];
}
