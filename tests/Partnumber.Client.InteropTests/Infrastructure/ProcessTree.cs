using System.Globalization;
using System.Runtime.InteropServices;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// A peer's process tree read from /proc (Linux), for stopping the peer with everything it started.
/// </summary>
/// <remarks>
/// Why not <c>Process.Kill(entireProcessTree: true)</c>: .NET stops the root, lists its children, kills it, then recurses
/// into each child, listing that child's children only when it gets there. A child that died in between (nginx's master,
/// which the kernel signals when its launcher dies: PR_SET_PDEATHSIG) has nobody left to list: its own children are
/// already re-parented to init and survive (issue 27: nginx workers left running after CI). Here the whole tree is read
/// first, every member frozen (SIGSTOP) so that none can fork or react, then every member is killed. Members are named by
/// pid and start time, so a pid reused by an unrelated process is never signalled.
/// </remarks>
internal static class ProcessTree
{
    private const int SIGKILL = 9;
    private const int SIGTERM = 15;
    private const int SIGSTOP = 19;

    /// <summary>Linux has /proc; elsewhere the callers fall back to <c>Process.Kill(entireProcessTree: true)</c>.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    /// <summary>The process <paramref name="root"/> and all its living descendants (a parent-pid walk over /proc).</summary>
    public static List<Member> Read(int root) => Read([root]);

    /// <summary>The living processes among <paramref name="roots"/> and all their living descendants.</summary>
    public static List<Member> Read(IEnumerable<int> roots)
    {
        var all = AllProcesses();
        var byPid = all.ToDictionary(p => p.Member.Pid);
        var found = new List<Member>();
        var seen = new HashSet<int>();
        var queue = new Queue<int>();
        foreach (var root in roots)
        {
            if (byPid.TryGetValue(root, out var r) && seen.Add(root))
            {
                found.Add(r.Member);
                queue.Enqueue(root);
            }
        }

        var children = all.ToLookup(p => p.ParentPid, p => p.Member);
        while (queue.TryDequeue(out var pid))
        {
            foreach (var child in children[pid])
            {
                if (seen.Add(child.Pid))
                {
                    found.Add(child);
                    queue.Enqueue(child.Pid);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Stops (SIGSTOP) <paramref name="root"/> and every descendant, re-reading /proc until no new one appears, and
    /// returns them all: a stopped process cannot fork, exit on its own, or respawn a worker that is killed first.
    /// </summary>
    public static List<Member> Freeze(int root)
    {
        var frozen = new Dictionary<int, Member>();
        for (var round = 0; round < 50; round++)
        {
            var added = false;
            foreach (var member in Read([root, .. frozen.Keys]))
            {
                if (frozen.TryAdd(member.Pid, member))
                {
                    Signal(member, SIGSTOP);
                    added = true;
                }
            }

            if (!added)
            {
                break;
            }
        }

        return [.. frozen.Values];
    }

    /// <summary>SIGKILL to every member still alive (a stopped process dies of it too).</summary>
    public static void KillAll(IEnumerable<Member> members)
    {
        foreach (var member in members)
        {
            Signal(member, SIGKILL);
        }
    }

    /// <summary>SIGTERM to <paramref name="member"/> if it is still that process.</summary>
    public static void Terminate(Member member) => Signal(member, SIGTERM);

    /// <summary>SIGKILL to <paramref name="member"/> only, if it is still that process (nothing else of its tree).</summary>
    public static void KillOne(Member member) => Signal(member, SIGKILL);

    /// <summary>Whether the process is still running: same pid and start time, and not a zombie (dead, not yet reaped).</summary>
    public static bool IsAlive(Member member)
        => TryReadStat(member.Pid, out var stat) && stat.Member.StartTime == member.StartTime && stat.State is not ('Z' or 'X');

    /// <summary>
    /// Polls /proc until none of <paramref name="members"/> is alive, or <paramref name="timeout"/> passed; also follows
    /// children the living ones start meanwhile. Returns the ones still alive (empty: all gone).
    /// </summary>
    public static async Task<List<Member>> WaitUntilGoneAsync(IEnumerable<Member> members, TimeSpan timeout)
    {
        var watched = members.ToDictionary(m => m.Pid);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alive = watched.Values.Where(IsAlive).ToList();
            foreach (var child in Read(alive.Select(m => m.Pid)))
            {
                if (watched.TryAdd(child.Pid, child))
                {
                    alive.Add(child);
                }
            }

            if (alive.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return alive;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public static string Describe(IEnumerable<Member> members) => string.Join(", ", members.Select(m => $"{m.Pid} ({m.Command})"));

    private static void Signal(Member member, int signal)
    {
        // Checked right before the signal: a pid that now names another process (reused) is left alone.
        if (IsAlive(member))
        {
            _ = Kill(member.Pid, signal); // ESRCH (it just exited) is fine
        }
    }

    private static List<(Member Member, int ParentPid)> AllProcesses()
    {
        var result = new List<(Member, int)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryReadStat(pid, out var stat) && stat.State is not ('Z' or 'X'))
            {
                result.Add((stat.Member, stat.ParentPid));
            }
        }

        return result;
    }

    /// <summary>/proc/PID/stat: "pid (comm) state ppid ..." with the start time (in clock ticks since boot) as field 22.</summary>
    private static bool TryReadStat(int pid, out (Member Member, char State, int ParentPid) stat)
    {
        stat = default;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // gone
        }

        // comm may contain spaces and parentheses: it ends at the last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return false;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
        {
            return false;
        }

        stat = (new Member(pid, startTime, text[(open + 1)..close]), fields[0][0], parent);
        return true;
    }

    // DllImport rather than LibraryImport: the generated LibraryImport stub needs AllowUnsafeBlocks in this project.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>One process: its pid, its start time (tells a reused pid apart) and its name (comm) for messages.</summary>
    public readonly record struct Member(int Pid, long StartTime, string Command);
}
