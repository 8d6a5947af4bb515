namespace SplitGuard.Daemon.Status;

/// <summary>Facts about the running daemon shown in status.</summary>
public sealed record DaemonInfo(string Version, string NodeName, string ConfigPath);
