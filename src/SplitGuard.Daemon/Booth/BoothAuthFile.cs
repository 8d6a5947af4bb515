using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

/// <summary>booth's authfile: readable by its owner only, at most 64 bytes used, trimmed when ASCII, 8 bytes or more.</summary>
public static class BoothAuthFile
{
    /// <summary>Reads the key; throws <see cref="DaemonStartException"/> naming the problem.</summary>
    public static byte[] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DaemonStartException($"authfile {path} does not exist (booth.conf authfile)");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new DaemonStartException($"authfile {path} has mode {Convert.ToString((int)mode, 8)}: the file shall not be readable for anyone but the owner; run `chmod 600 {path}`");
        }

        using var stream = File.OpenRead(path);
        var buffer = new byte[BoothKey.MaxLength];
        var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return BoothKey.FromFileBytes(buffer.AsSpan(0, n), out var problem)
            ?? throw new DaemonStartException($"authfile {path}: {problem}");
    }
}
