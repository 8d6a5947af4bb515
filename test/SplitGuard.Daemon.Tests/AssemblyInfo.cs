using System.Runtime.Versioning;

// The daemon it tests is Linux-only (raw sockets, cgroups, netlink).
[assembly: SupportedOSPlatform("linux")]
