using System.Runtime.Versioning;

// The lab needs Linux network namespaces, nftables and the daemon's Unix control socket.
[assembly: SupportedOSPlatform("linux")]
