// Annotation keys Contrast reads from or writes to workloads (contrast-reference §5.4, policy.md §1.1).

export const ANNOTATION_POD_ROLE = "contrast.edgeless.systems/pod-role";
export const ANNOTATION_SKIP_INITIALIZER = "contrast.edgeless.systems/skip-initializer";
export const ANNOTATION_WORKLOAD_SECRET_ID = "contrast.edgeless.systems/workload-secret-id";
export const ANNOTATION_INITDATA = "io.katacontainers.config.hypervisor.cc_init_data";
export const ROLE_COORDINATOR = "coordinator";
