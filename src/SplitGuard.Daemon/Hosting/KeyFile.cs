using System.Security.Cryptography;

namespace SplitGuard.Daemon.Hosting;

/// <summary>The shared key that authenticates frames: a file readable by its owner only (mode 0600 or stricter).</summary>
public static class KeyFile
{
    public const int MinimumBytes = 16;

    /// <summary>Reads the key; throws <see cref="DaemonStartException"/> naming the problem.</summary>
    public static byte[] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DaemonStartException($"key file {path} does not exist: create it on every node with the same content, e.g. `splitguard keygen {path}` and copy it");
        }

        var mode = File.GetUnixFileMode(path);
        var loose = mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        if (loose != 0)
        {
            throw new DaemonStartException($"key file {path} has mode {Convert.ToString((int)mode, 8)}: others than its owner may read it; run `chmod 600 {path}`");
        }

        var bytes = File.ReadAllBytes(path);
        var trimmed = bytes.AsSpan().TrimEnd((byte)'\n').TrimEnd((byte)'\r');
        if (trimmed.Length < MinimumBytes)
        {
            throw new DaemonStartException($"key file {path} holds {trimmed.Length} bytes; at least {MinimumBytes} are required");
        }

        return trimmed.ToArray();
    }

    /// <summary>Writes a new random key (64 hex characters) with mode 0600; refuses to overwrite.</summary>
    public static void Generate(string path)
    {
        if (File.Exists(path))
        {
            throw new IOException($"{path} exists; remove it first if you mean to replace the key on every node");
        }

        // The usual place, /etc/splitguard, may not exist yet on a new node: create it as a key directory (0755, as
        // Debian's /etc/corosync; the key itself is 0600).
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());
        writer.Write('\n');
    }
}
