using System.Runtime.Versioning;

// cgroups, kill(2) and netlink: Linux only, as the daemon.
[assembly: SupportedOSPlatform("linux")]
