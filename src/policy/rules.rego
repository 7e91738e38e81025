# Contrast agent policy rules: deny by default; allow what the runtime needs to start exactly the pod described by policy_data.
#
# Written for the Rego subset Kata's own rules use (kata-containers src/tools/genpolicy/rules.rego, evaluated by
# microsoft/regorus in src/agent/policy/src/policy.rs). Request field names are those of the agent's protobuf
# messages (kata-containers src/libs/protocols/protos/agent.proto) as the agent serialises them to JSON.
# policy_data (appended below this file by the generator) holds one entry per container: [0] is the
# sandbox (pause) container, then init containers and app containers in YAML order.
package agent_policy

import future.keywords.every
import future.keywords.if
import future.keywords.in

# Requests that only observe or stop what already runs (defaults as in kata-containers genpolicy rules.rego).
default DestroySandboxRequest := true
default GetOOMEventRequest := true
default GuestDetailsRequest := true
default OnlineCPUMemRequest := true
default RemoveStaleVirtiofsShareMountsRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default StatsContainerRequest := true
default TtyWinResizeRequest := true
default WaitProcessRequest := true

# Requests that change the sandbox in ways no pod spec asks for.
default AddSwapRequest := false
default AddSwapPathRequest := false
default AllowRequestsFailingPolicy := false
default GetIPTablesRequest := false
default GetMetricsRequest := false
default ListInterfacesRequest := false
default ListRoutesRequest := false
default MemAgentCompactConfig := false
default MemAgentMemcgConfig := false
default MemHotplugByProbeRequest := false
default PauseContainerRequest := false
default ReseedRandomDevRequest := false
default ResizeVolumeRequest := false
default ResumeContainerRequest := false
default SetGuestDateTimeRequest := false
default SetIPTablesRequest := false
default SetPolicyRequest := false
default StartTracingRequest := false
default StopTracingRequest := false
default UpdateContainerRequest := false
default VolumeStatsRequest := false

# Requests the settings file may switch on (e.g. ReadStreamRequest for `kubectl logs`).
default CloseStdinRequest := false
default GetDiagnosticDataRequest := false
default ReadStreamRequest := false
default UpdateEphemeralMountsRequest := false
default WriteStreamRequest := false

CloseStdinRequest if {
	policy_data.request_defaults.CloseStdinRequest == true
}

GetDiagnosticDataRequest if {
	policy_data.request_defaults.GetDiagnosticDataRequest == true
}

ReadStreamRequest if {
	policy_data.request_defaults.ReadStreamRequest == true
}

UpdateEphemeralMountsRequest if {
	policy_data.request_defaults.UpdateEphemeralMountsRequest == true
}

WriteStreamRequest if {
	policy_data.request_defaults.WriteStreamRequest == true
}

# ---------------------------------------------------------------------------------------------
# Policy state (the agent's state ops, kata-containers src/agent/policy/src/policy.rs): the first container
# pins sandbox name, namespace and network namespace; each container id remembers the index of its policy entry.

state_op(key, value) := [] if {
	data.pstate[key] == value
}

state_op(key, value) := [{"op": "add", "path": concat("", ["/pstate/", key]), "value": value}] if {
	not data.pstate[key]
}

default RemoveContainerRequest := false

RemoveContainerRequest := {"ops": [{"op": "remove", "path": concat("", ["/pstate/", input.container_id])}], "allowed": true} if {
	data.pstate[input.container_id]
}

RemoveContainerRequest := {"ops": [], "allowed": true} if {
	not data.pstate[input.container_id]
}

# ---------------------------------------------------------------------------------------------
# CreateSandboxRequest

default CreateSandboxRequest := false

CreateSandboxRequest if {
	input.guest_hook_path == ""
	count(input.kernel_modules) == 0
	input.sandbox_pidns == false
	every s in input.storages {
		s in policy_data.sandbox.storages
	}
}

# ---------------------------------------------------------------------------------------------
# CreateContainerRequest

default CreateContainerRequest := false

CreateContainerRequest := {"ops": ops, "allowed": true} if {
	input_is_sane
	a := input.OCI.Annotations
	idx := policy_index(a)
	p := policy_data.containers[idx]
	p.sandbox_pidns == input.sandbox_pidns
	input.OCI.Root.Readonly == p.Root.Readonly
	sandbox_id := a["io.kubernetes.cri.sandbox-id"]
	regex.match("^[0-9a-f]{64}$", sandbox_id)
	bundle_id := root_bundle_id(input.OCI.Root.Path)
	name := a["io.kubernetes.cri.sandbox-name"]
	regex.match(policy_data.pod.name_regex, name)
	ns := a["io.kubernetes.cri.sandbox-namespace"]
	namespace_ok(ns)
	annotations_ok(p, a, name, ns)
	process_ok(p, input.OCI.Process)
	mounts_ok(p, input.OCI.Mounts, bundle_id, sandbox_id)
	storages_ok(p, input.storages, input.OCI.Root.Path, bundle_id, sandbox_id)
	linux_ok(p, input.OCI.Linux)
	count(input.devices) == 0
	ops1 := array.concat(state_op("sandbox_name", name), state_op("namespace", ns))
	ops2 := array.concat(ops1, network_ops(p, input.OCI.Linux.Namespaces))
	ops := array.concat(ops2, [{"op": "add", "path": concat("", ["/pstate/", input.container_id]), "value": idx}])
}

input_is_sane if {
	count(input.shared_mounts) == 0
	is_null(input.string_user)
	is_null(input.OCI.Hooks)
	is_null(input.OCI.Solaris)
	is_null(input.OCI.Windows)
	is_null(input.OCI.Linux.Seccomp)
	is_null(input.OCI.Linux.IntelRdt)
	count(input.OCI.Linux.UIDMappings) == 0
	count(input.OCI.Linux.GIDMappings) == 0
	count(input.OCI.Linux.Resources.Devices) == 0
	input.OCI.Linux.MountLabel == ""
	input.OCI.Linux.RootfsPropagation == ""
	input.OCI.Process.SelinuxLabel == ""
	input.OCI.Process.User.Username == ""
}

policy_index(a) := 0 if {
	a["io.kubernetes.cri.container-type"] == "sandbox"
}

policy_index(a) := i if {
	a["io.kubernetes.cri.container-type"] == "container"
	some i, c in policy_data.containers
	c.sandbox == false
	c.name == a["io.kubernetes.cri.container-name"]
}

root_bundle_id(path) := id if {
	parts := regex.find_all_string_submatch_n(concat("", ["^/run/kata-containers/(", policy_data.common.bundle_id_regex, ")/rootfs$"]), path, 1)
	count(parts) == 1
	id := parts[0][1]
}

namespace_ok(ns) if {
	policy_data.pod.namespace == ""
}

namespace_ok(ns) if {
	policy_data.pod.namespace == ns
}

# Annotation keys the runtime sets; anything else would come from the host and is refused.
allowed_annotation_key(k) if {
	startswith(k, "io.kubernetes.cri.")
}

allowed_annotation_key(k) if {
	startswith(k, "io.katacontainers.pkg.oci.")
}

allowed_annotation_key(k) if {
	k in {"nerdctl/network-namespace", "io.kubernetes.container.terminationMessagePath", "io.kubernetes.container.terminationMessagePolicy"}
}

annotations_ok(p, a, name, ns) if {
	every k, v in a {
		allowed_annotation_key(k)
	}
	container_annotations_ok(p, a, name, ns)
}

container_annotations_ok(p, a, name, ns) if {
	p.sandbox == true
	a["io.katacontainers.pkg.oci.container_type"] == "pod_sandbox"
	not a["io.kubernetes.cri.container-name"]
	log_dir := a["io.kubernetes.cri.sandbox-log-directory"]
	prefix := concat("", ["/var/log/pods/", ns, "_", name, "_"])
	startswith(log_dir, prefix)
	regex.match("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", substring(log_dir, count(prefix), -1))
	regex.match("^/var/run/netns/cni-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", a["nerdctl/network-namespace"])
}

container_annotations_ok(p, a, name, ns) if {
	p.sandbox == false
	a["io.katacontainers.pkg.oci.container_type"] == "pod_container"
	not a["io.kubernetes.cri.sandbox-log-directory"]
	not a["nerdctl/network-namespace"]
}

# The sandbox pins its network namespace path ("" when it has none); later containers may only join it.
network_ops(p, namespaces) := ops if {
	p.sandbox == true
	nets := [n | some n in namespaces; n.Type == "network"]
	count(nets) == 1
	ops := state_op("network_namespace", nets[0].Path)
}

network_ops(p, namespaces) := ops if {
	p.sandbox == true
	count([n | some n in namespaces; n.Type == "network"]) == 0
	ops := state_op("network_namespace", "")
}

network_ops(p, namespaces) := [] if {
	p.sandbox == false
	count([n | some n in namespaces; n.Type == "network"]) == 0
}

network_ops(p, namespaces) := ops if {
	p.sandbox == false
	nets := [n | some n in namespaces; n.Type == "network"]
	count(nets) == 1
	ops := state_op("network_namespace", nets[0].Path)
}

# --- process -------------------------------------------------------------------------------

pattern_ok(pt, value) if {
	pt.exact == value
}

pattern_ok(pt, value) if {
	regex.match(pt.regex, value)
}

process_ok(p, proc) if {
	proc.Terminal == p.Process.Terminal
	args_ok(p.Process.Args, proc.Args)
	capabilities_ok(p.Process.Capabilities, proc.Capabilities)
	process_common_ok(p, proc)
}

# Checks shared by CreateContainerRequest and ExecProcessRequest.
process_common_ok(p, proc) if {
	proc.Cwd == p.Process.Cwd
	proc.NoNewPrivileges == p.Process.NoNewPrivileges
	proc.User.UID == p.Process.User.UID
	proc.User.GID == p.Process.User.GID
	{g | some g in proc.User.AdditionalGids} == {g | some g in p.Process.User.AdditionalGids}
	every e in proc.Env {
		env_ok(p, e)
	}
	env_complete(p, proc.Env)
}

# The sandbox's env has no effect (it runs /pause); every other container must get all the env it is meant to get.
env_complete(p, envs) if {
	p.sandbox == true
}

env_complete(p, envs) if {
	p.sandbox == false
	every pt in p.Process.Env {
		env_present(pt, envs)
	}
}

args_ok(patterns, args) if {
	count(patterns) == count(args)
	every i, arg in args {
		pattern_ok(patterns[i], arg)
	}
}

env_ok(p, e) if {
	some pt in p.Process.Env
	pattern_ok(pt, e)
}

# Service-link variables are decided at run time; they may not shadow a variable the spec or image sets.
env_ok(p, e) if {
	key := split(e, "=")[0]
	not key in p.Process.env_names
	some r in policy_data.request_defaults.CreateContainerRequest.allow_env_regex
	regex.match(r, e)
}

env_present(pt, envs) if {
	some e in envs
	pattern_ok(pt, e)
}

capabilities_ok(pc, ic) if {
	every k in ["Ambient", "Bounding", "Effective", "Inheritable", "Permitted"] {
		{c | some c in ic[k]} == {c | some c in pc[k]}
	}
}

# --- mounts and storages ----------------------------------------------------------------------

# The ids go into a regex: a "." in a bundle id ([a-z0-9.-]) is escaped so it cannot match "/" (sandbox ids are hex).
expand_placeholders(r, bundle_id, sandbox_id) := replace(replace(r, "$(bundle-id)", replace(bundle_id, ".", "\\.")), "$(sandbox-id)", sandbox_id)

mounts_ok(p, mounts, bundle_id, sandbox_id) if {
	every m in mounts {
		mount_ok(p, m, bundle_id, sandbox_id)
	}
	destinations := [m.destination | some m in mounts]
	count(destinations) == count({d | some d in destinations})
}

mount_ok(p, m, bundle_id, sandbox_id) if {
	some pm in p.Mounts
	pm.destination == m.destination
	pm.type_ == m.type_
	regex.match(expand_placeholders(pm.source, bundle_id, sandbox_id), m.source)
	mount_options_ok(pm, m)
}

mount_options_ok(pm, m) if {
	{o | some o in m.options} == {o | some o in pm.options}
}

mount_options_ok(pm, m) if {
	pm.type_ == "cgroup"
	have := {o | some o in m.options}
	want := {o | some o in pm.options}
	count(want - have) == 0
	extra := have - want
	every o in extra {
		o in policy_data.common.cgroup_mount_extras_allowed
	}
}

storages_ok(p, storages, root, bundle_id, sandbox_id) if {
	p.sandbox == true
	count(storages) <= 1
	every s in storages {
		s.driver == "image_guest_pull"
		s.mount_point == root
		regex.match(policy_data.sandbox.image_source_regex, s.source)
	}
}

storages_ok(p, storages, root, bundle_id, sandbox_id) if {
	p.sandbox == false
	pulls := [s | some s in storages; s.driver == "image_guest_pull"]
	count(pulls) == 1
	image_storage_ok(p, pulls[0], root)
	every s in storages {
		other_storage_ok(p, s, bundle_id, sandbox_id)
	}
}

# The image is pinned by digest; containerd drops the tag when a digest is present (edgelesssys/contrast's
# patch to Kata's rules for image_guest_pull).
image_storage_ok(p, s, root) if {
	s.fstype == "overlay"
	s.mount_point == root
	count(s.options) == 0
	s.shared == false
	parts := split(s.source, "@")
	count(parts) == 2
	parts[1] == p.image.digest
}

other_storage_ok(p, s, bundle_id, sandbox_id) if {
	s.driver == "image_guest_pull"
}

other_storage_ok(p, s, bundle_id, sandbox_id) if {
	s.driver != "image_guest_pull"
	some ps in p.storages
	ps.driver == s.driver
	ps.fstype == s.fstype
	{o | some o in s.options} == {o | some o in ps.options}
	regex.match(ps.source, s.source)
	regex.match(expand_placeholders(ps.mount_point, bundle_id, sandbox_id), s.mount_point)
}

# --- linux ------------------------------------------------------------------------------------

linux_ok(p, l) if {
	[n.Type | some n in l.Namespaces; n.Type != "network"; n.Type != "cgroup"] == p.Namespaces
	every mp in p.MaskedPaths {
		mp in l.MaskedPaths
	}
	every rp in p.ReadonlyPaths {
		readonly_path_ok(rp, l)
	}
	count(l.Devices) == 0
	every k, v in l.Sysctl {
		p.Sysctl[k] == v
	}
}

readonly_path_ok(rp, l) if {
	rp in l.ReadonlyPaths
}

readonly_path_ok(rp, l) if {
	rp in l.MaskedPaths
}

# ---------------------------------------------------------------------------------------------
# ExecProcessRequest: only commands the pod spec (probes, hooks) or the settings name, in the container's own context.

default ExecProcessRequest := false

exec_container := policy_data.containers[data.pstate[input.container_id]]

ExecProcessRequest if {
	exec_is_sane
	p := exec_container
	exec_args_ok(p)
	process_common_ok(p, input.process)
}

exec_is_sane if {
	is_null(input.string_user)
	is_null(input.process.Capabilities)
	input.process.SelinuxLabel == ""
	input.process.ApparmorProfile == ""
}

exec_args_ok(p) if {
	input.process.Terminal == false
	some cmd in p.exec_commands
	cmd == input.process.Args
}

exec_args_ok(p) if {
	some cmd in policy_data.request_defaults.ExecProcessRequest.allowed_commands
	cmd == input.process.Args
}

exec_args_ok(p) if {
	some r in policy_data.request_defaults.ExecProcessRequest.regex
	regex.match(r, concat(" ", input.process.Args))
}

# ---------------------------------------------------------------------------------------------
# CopyFileRequest: files the runtime shares into the guest (/etc/hosts, ConfigMaps …), nowhere else.
#
# The shared directory's top-level entries are exactly the mount sources CreateContainerRequest checks by
# name, so an entry itself may only be a file or a directory. Symlinks (the kubelet's ..data links) may sit
# below an entry and point only within it: relative, without "..", not empty. Paths are compared as lists of
# elements and must be canonical (no "", "." or ".." element: no "//", no trailing "/").

default CopyFileRequest := false

CopyFileRequest if {
	input.file_type in {"Regular", "Directory"}
	copy_depth(input.path) >= 0
}

CopyFileRequest if {
	input.file_type == "Symlink"
	copy_depth(input.path) >= 1
	target := input.symlink_target
	is_string(target)
	target != ""
	not startswith(target, "/")
	not ".." in split(target, "/")
}

# How many elements below its top-level entry `path` lies; undefined unless `path` is a canonical absolute
# path inside a shared directory whose first element below that directory is an entry name.
copy_depth(path) := n if {
	parts := path_elements(path)
	d := policy_data.request_defaults.CopyFileRequest
	some dir in d.shared_dirs
	prefix := path_elements(dir)
	k := count(prefix)
	count(parts) > k
	array.slice(parts, 0, k) == prefix
	regex.match(d.entry_regex, parts[k])
	n := (count(parts) - k) - 1
}

# The elements of a canonical absolute path; undefined for anything else.
path_elements(path) := parts if {
	startswith(path, "/")
	parts := split(substring(path, 1, -1), "/")
	every p in parts {
		not p in {"", ".", ".."}
	}
}

# ---------------------------------------------------------------------------------------------
# Addresses and link names are compared as the kernel sees them, never as text.
#
# An IP address is parsed into eight 16-bit groups, IPv4 a.b.c.d as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2, as
# Go and Rust treat it): 127.0.0.1, ::ffff:127.0.0.1 and ::ffff:7f00:1 are one address, ::1, 0::1 and
# 00::001 another. Only the forms Go's net.ParseIP accepts parse (dotted decimal without leading zeros; IPv6
# with 1-4 hex digits a group, at most one "::" standing for at least one zero group, an optional final
# dotted quad; no zone). A request carrying anything else is denied. Core builtins only: the agent builds
# regorus without net.* (kata-containers src/agent/policy/Cargo.toml: arc, base64, base64url, regex, std).

hex_digit := {
	"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
	"8": 8, "9": 9, "a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
}

ip_groups(s) := g if {
	regex.match("^[0-9.]+$", s)
	o := ipv4_octets(s)
	g := [0, 0, 0, 0, 0, 65535, (o[0] * 256) + o[1], (o[2] * 256) + o[3]]
}

ip_groups(s) := g if {
	regex.match("^[0-9A-Fa-f:.]+$", s)
	contains(s, ":")
	g := ipv6_groups(s)
}

ipv4_octets(s) := octets if {
	parts := split(s, ".")
	count(parts) == 4
	octets := [to_number(p) | some p in parts; regex.match("^(?:0|[1-9][0-9]{0,2})$", p)]
	count(octets) == 4
	every o in octets {
		o <= 255
	}
}

hex_group(f) := v if {
	regex.match("^[0-9A-Fa-f]{1,4}$", f)
	p := lower(concat("", [substring("000", 0, 4 - count(f)), f]))
	a := (hex_digit[substring(p, 0, 1)] * 16) + hex_digit[substring(p, 1, 1)]
	v := (((a * 16) + hex_digit[substring(p, 2, 1)]) * 16) + hex_digit[substring(p, 3, 1)]
}

ipv6_groups(s) := g if {
	not contains(s, "::")
	g := ipv6_side(s, true)
	count(g) == 8
}

ipv6_groups(s) := g if {
	halves := split(s, "::")
	count(halves) == 2
	head := ipv6_side(halves[0], false)
	tail := ipv6_side(halves[1], true)
	zeros := (8 - count(head)) - count(tail)
	zeros >= 1
	g := array.concat(array.concat(head, array.slice([0, 0, 0, 0, 0, 0, 0, 0], 0, zeros)), tail)
}

# The groups of one side of "::"; only the final side may end in a dotted quad (two groups).
ipv6_side(h, final) := [] if {
	h == ""
}

ipv6_side(h, final) := g if {
	h != ""
	fields := split(h, ":")
	n := count(fields)
	init := [v | some i, f in fields; i < n - 1; v := hex_group(f)]
	count(init) == n - 1
	g := array.concat(init, ipv6_last(fields[n - 1], final))
}

ipv6_last(f, final) := [v] if {
	v := hex_group(f)
}

ipv6_last(f, final) := [(o[0] * 256) + o[1], (o[2] * 256) + o[3]] if {
	final == true
	o := ipv4_octets(f)
}

# A CIDR network as groups and a prefix length in bits of the 128-bit form.
ip_network(c) := {"groups": g, "bits": b} if {
	parts := split(c, "/")
	count(parts) == 2
	g := ip_groups(parts[0])
	regex.match("^(?:0|[1-9][0-9]{0,2})$", parts[1])
	b := network_bits(parts[0], to_number(parts[1]))
}

network_bits(a, n) := n + 96 if {
	not contains(a, ":")
	n <= 32
}

network_bits(a, n) := n if {
	contains(a, ":")
	n <= 128
}

in_network(g, net) if {
	every i in [0, 1, 2, 3, 4, 5, 6, 7] {
		group_prefix_equal(g[i], net.groups[i], net.bits - (16 * i))
	}
}

group_prefix_equal(a, b, k) if {
	k <= 0
}

group_prefix_equal(a, b, k) if {
	k >= 16
	a == b
}

group_prefix_equal(a, b, k) if {
	k > 0
	k < 16
	bits.rsh(a, 16 - k) == bits.rsh(b, 16 - k)
}

# An address the agent may configure: it parses, every forbidden network parses, and it lies in none of them.
address_allowed(s, forbidden) if {
	g := ip_groups(s)
	nets := [n | some c in forbidden; n := ip_network(c)]
	count(nets) == count(forbidden)
	every n in nets {
		not in_network(g, n)
	}
}

# A link name as the kernel compares it: 1-15 characters, none it would refuse or cut off (a NUL ends the
# name netlink looks up, so "lo" followed by NUL and more would find lo), not "." or "..", not forbidden.
link_name_allowed(name, forbidden) if {
	regex.match("^[A-Za-z0-9_.-]{1,15}$", name)
	not name in {".", ".."}
	not name in forbidden
}

# A MAC address as six two-digit hex octets, lower case; the agent parses each octet leniently ("0", "000",
# "+0" are all 0), so anything but this one spelling is refused.
canonical_mac(s) := lower(s) if {
	regex.match("^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$", s)
}

# ---------------------------------------------------------------------------------------------
# Network set-up requests: no loopback hijacking, no unexpected flags.

default UpdateInterfaceRequest := false

UpdateInterfaceRequest if {
	i := input.interface
	d := policy_data.request_defaults.UpdateInterfaceRequest
	bits.and(i.raw_flags, bits.negate(d.allow_raw_flags)) == 0
	link_name_allowed(i.name, d.forbidden_names)
	mac := canonical_mac(i.hwAddr)
	forbidden_macs := [m | some x in d.forbidden_hw_addrs; m := canonical_mac(x)]
	count(forbidden_macs) == count(d.forbidden_hw_addrs)
	not mac in forbidden_macs
	every a in i.IPAddresses {
		address_allowed(a.address, d.forbidden_address_cidrs)
	}
}

default UpdateRoutesRequest := false

UpdateRoutesRequest if {
	d := policy_data.request_defaults.UpdateRoutesRequest
	every r in input.routes.Routes {
		link_name_allowed(r.device, d.forbidden_device_names)
		route_source_allowed(r.source, d.forbidden_source_cidrs)
	}
}

route_source_allowed(s, forbidden) if {
	s == ""
}

route_source_allowed(s, forbidden) if {
	address_allowed(s, forbidden)
}

default AddARPNeighborsRequest := false

AddARPNeighborsRequest if {
	d := policy_data.request_defaults.AddARPNeighborsRequest
	every n in input.neighbors.ARPNeighbors {
		link_name_allowed(n.device, d.forbidden_device_names)
		n.toIPAddress.mask == ""
		address_allowed(n.toIPAddress.address, d.forbidden_cidrs)
		n.state in d.allowed_states
		bits.and(n.flags, bits.negate(136)) == 0
	}
}
