using System.Globalization;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// The shared ownership log of FAULTS.md section 2.16: one line per resource operation,
/// <c>&lt;unix ns&gt; &lt;node&gt; &lt;resource&gt; start_invoke|start_ok|start_failed|stop_invoke|stop_ok|stop_failed</c>,
/// appended under an exclusive lock so several nodes can share one file; a checker finds overlaps.
/// </summary>
public sealed partial class OwnershipLog(string? path, string node)
{
    private const int LockExclusive = 2;
    private const int Unlock = 8;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    /// <summary>Appends a line for <paramref name="resource"/>, stamped now or at <paramref name="at"/> (UTC) when given.</summary>
    public void Write(string resource, string what, DateTime? at = null)
    {
        if (path is null)
        {
            return;
        }

        long ns = ((at ?? DateTime.UtcNow).Ticks - DateTime.UnixEpoch.Ticks) * 100;
        var line = string.Create(CultureInfo.InvariantCulture, $"{ns} {node} {resource} {what}\n");
        try
        {
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
            Flock(fd, LockExclusive);
            var bytes = System.Text.Encoding.ASCII.GetBytes(line);
            stream.Write(bytes);
            stream.Flush();
            Flock(fd, Unlock);
        }
        catch (IOException)
        {
            // The log is a test aid; losing a line must not stop a resource operation.
        }
    }
}
