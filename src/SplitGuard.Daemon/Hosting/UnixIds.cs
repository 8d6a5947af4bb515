using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Hosting;

/// <summary>User and group ids from libc and /etc/group.</summary>
public static partial class UnixIds
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, int uid, int gid);

    public static uint EffectiveUid => GetEuid();

    public static bool IsRoot => GetEuid() == 0;

    /// <summary>The gid of a group name (or a numeric gid), or null when unknown.</summary>
    public static uint? GroupId(string? group)
    {
        if (string.IsNullOrEmpty(group))
        {
            return null;
        }

        if (uint.TryParse(group, out uint numeric))
        {
            return numeric;
        }

        if (!File.Exists("/etc/group"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/etc/group"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == group && uint.TryParse(fields[2], out uint gid))
            {
                return gid;
            }
        }

        return null;
    }

    /// <summary>Gives <paramref name="path"/> to group <paramref name="gid"/>; returns false on failure.</summary>
    public static bool ChangeGroup(string path, uint gid) => Chown(path, -1, (int)gid) == 0;
}
