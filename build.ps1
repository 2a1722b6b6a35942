<#
.SYNOPSIS
    One command from a checkout to a tested wheel: set up aotwheel, build a C# project into a wheel,
    install that wheel into a clean venv and try it.

.DESCRIPTION
    1. Creates the venv -Venv if it has no Python yet, with -Python (default: py -3 on Windows,
       python3 elsewhere).
    2. Installs this repository (aotwheel) into it in editable mode. When the package index cannot
       be reached (pip cannot list setuptools on it), or with -NoIndex, it installs the way
       .ci/setup does: without build isolation and from no index, so setuptools and aotwheel's
       dependencies come from the Python's own packages (a venv it creates then sees them:
       --system-site-packages). On Debian: apt-get install python3-setuptools python3-packaging
       python3-pyelftools python3-pefile python3-jinja2.
    3. Runs `aotwheel build <Project> -o <Out>` for this machine's runtime identifier.
    4. Creates a clean venv <Out>/.try-venv and installs the new wheel into it offline
       (--no-index --find-links <Out>), so nothing but the wheel itself is tested.
    5. For the default sample, calls one of its functions.
    Stops at the first failing step. Runs under Windows PowerShell 5.1 and PowerShell 7
    (Windows, Linux, macOS). Default paths are relative to this script's folder; paths you pass
    are relative to the current folder.

.EXAMPLE
    .\build.ps1
.EXAMPLE
    .\build.ps1 -Project ..\MyLibrary -Out ..\MyLibrary\dist
.EXAMPLE
    ./build.ps1 -NoIndex -Python /usr/bin/python3
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
    [string]$Project = 'csharp_src/samples/PocExports',
    [string]$Out = 'dist',
    [string]$Venv = '.venv',
    [string]$Python = '',
    [switch]$NoIndex
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# $IsWindows only exists from PowerShell 6 on; Windows PowerShell 5.1 (the Desktop edition) runs
# only on Windows.
if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = $IsWindows }

$RepoRoot = $PSScriptRoot
$DefaultProject = 'csharp_src/samples/PocExports'

function Resolve-FullPath([string]$Path, [string]$Base) {
    # Path.Combine keeps $Path when it is already absolute; GetFullPath normalises ..\ and / vs \.
    return [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($Base, $Path))
}

function Get-VenvPython([string]$VenvDir) {
    if ($OnWindows) {
        return Join-Path (Join-Path $VenvDir 'Scripts') 'python.exe'
    }
    return Join-Path (Join-Path $VenvDir 'bin') 'python'
}

function Get-VenvScript([string]$VenvDir, [string]$Name) {
    if ($OnWindows) {
        return Join-Path (Join-Path $VenvDir 'Scripts') "$Name.exe"
    }
    return Join-Path (Join-Path $VenvDir 'bin') $Name
}

function Invoke-Native {
    # Runs one native command and stops the script unless it exits with 0. With -Probe it is a
    # question instead: its output is discarded and the answer is whether it exited with 0.
    param(
        [Parameter(Mandatory = $true)][string]$Exe,
        [string[]]$Arguments = @(),
        [switch]$Probe
    )
    $null = Get-Command $Exe -CommandType Application -ErrorAction Stop
    Write-Host ">> $Exe $($Arguments -join ' ')" -ForegroundColor Cyan
    # Windows PowerShell 5.1 can turn a native command's stderr output (pip and dotnet warnings)
    # into error records, which 'Stop' would make fatal: only the exit code decides here.
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        if ($Probe) { & $Exe @Arguments 2>&1 | Out-Null } else { & $Exe @Arguments }
    } finally {
        $ErrorActionPreference = $saved
    }
    if ($LASTEXITCODE -ne 0 -and -not $Probe) {
        throw "'$Exe $($Arguments -join ' ')' failed with exit code $LASTEXITCODE"
    }
    if ($Probe) { return ($LASTEXITCODE -eq 0) }
}

function Get-BasePython {
    # The interpreter that creates the venv, as the command and the arguments that come first.
    if ($Python) { return @{ Exe = $Python; Prefix = @() } }
    if ($OnWindows) {
        if (Get-Command 'py' -CommandType Application -ErrorAction SilentlyContinue) {
            return @{ Exe = 'py'; Prefix = @('-3') }
        }
        return @{ Exe = 'python'; Prefix = @() }
    }
    return @{ Exe = 'python3'; Prefix = @() }
}

function Test-PackageIndex([hashtable]$Interpreter) {
    # Building aotwheel in isolation fetches setuptools from the index: ask pip, once and briefly,
    # whether it can list it there. No pip, an unreachable index or one without setuptools: no.
    $Arguments = $Interpreter.Prefix + @('-m', 'pip', 'index', 'versions', 'setuptools', '--retries', '0', '--timeout', '10')
    return Invoke-Native $Interpreter.Exe $Arguments -Probe
}

function Get-Wheels([string]$Folder) {
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) { return @() }
    return @(Get-ChildItem -LiteralPath $Folder -Filter '*.whl' -File)
}

$Here = (Get-Location).ProviderPath
if ($PSBoundParameters.ContainsKey('Project')) { $Project = Resolve-FullPath $Project $Here } else { $Project = Resolve-FullPath $Project $RepoRoot }
if ($PSBoundParameters.ContainsKey('Out')) { $Out = Resolve-FullPath $Out $Here } else { $Out = Resolve-FullPath $Out $RepoRoot }
if ($PSBoundParameters.ContainsKey('Venv')) { $Venv = Resolve-FullPath $Venv $Here } else { $Venv = Resolve-FullPath $Venv $RepoRoot }
$IsDefaultSample = ($Project.TrimEnd('\', '/') -eq (Resolve-FullPath $DefaultProject $RepoRoot).TrimEnd('\', '/'))

if (-not (Test-Path -LiteralPath $Project -PathType Container)) {
    throw "no project folder at $Project"
}

Push-Location -LiteralPath $RepoRoot
try {
    # 1. Is there a package index? Asked of the venv's pip if the venv exists, else of the base Python's.
    $VenvPython = Get-VenvPython $Venv
    $Base = Get-BasePython
    $HaveVenv = Test-Path -LiteralPath $VenvPython -PathType Leaf
    $UseIndex = -not $NoIndex
    if ($UseIndex) {
        if ($HaveVenv) { $UseIndex = Test-PackageIndex @{ Exe = $VenvPython; Prefix = @() } } else { $UseIndex = Test-PackageIndex $Base }
        if (-not $UseIndex) {
            Write-Host 'The package index cannot be reached: installing aotwheel without build isolation from the packages this Python already has (-NoIndex chooses this without asking).' -ForegroundColor Yellow
        }
    }

    # 2. The development venv. Without an index it must see the base Python's packages.
    if (-not $HaveVenv) {
        Write-Host "Creating the venv $Venv" -ForegroundColor Green
        $VenvArguments = @('-m', 'venv')
        if (-not $UseIndex) { $VenvArguments += '--system-site-packages' }
        Invoke-Native $Base.Exe ($Base.Prefix + $VenvArguments + @($Venv))
    }

    # 3. aotwheel itself, editable, from this checkout.
    if ($UseIndex) {
        Invoke-Native $VenvPython @('-m', 'pip', 'install', '-e', $RepoRoot)
    } else {
        # pip still checks the dependencies against the packages it can see, and names a missing one.
        try {
            Invoke-Native $VenvPython @('-m', 'pip', 'install', '--no-index', '--no-build-isolation', '-e', $RepoRoot)
        } catch {
            throw ("$($_.Exception.Message). Without a package index, aotwheel and its build are installed from the packages " +
                "$VenvPython already sees. Install setuptools, packaging, pyelftools, pefile and jinja2 into the Python that makes " +
                "the venv (on Debian: apt-get install python3-setuptools python3-packaging python3-pyelftools python3-pefile " +
                "python3-jinja2), choose such a Python with -Python, or delete $Venv so that it is made again seeing them.")
        }
    }

    # 4. The wheel.
    $Before = @{}
    foreach ($wheel in (Get-Wheels $Out)) { $Before[$wheel.FullName] = $wheel.LastWriteTimeUtc }
    Invoke-Native (Get-VenvScript $Venv 'aotwheel') @('build', $Project, '-o', $Out)
    $Built = @(Get-Wheels $Out | Where-Object {
        -not $Before.ContainsKey($_.FullName) -or $Before[$_.FullName] -ne $_.LastWriteTimeUtc
    } | ForEach-Object { $_.FullName })
    if ($Built.Count -eq 0) {
        throw "aotwheel build reported success but wrote no wheel into $Out"
    }

    # 5. A clean venv with nothing but the new wheel, installed offline.
    $TryVenv = Join-Path $Out '.try-venv'
    if (Test-Path -LiteralPath $TryVenv) {
        Remove-Item -LiteralPath $TryVenv -Recurse -Force
    }
    Invoke-Native $VenvPython @('-m', 'venv', $TryVenv)
    $TryPython = Get-VenvPython $TryVenv
    Invoke-Native $TryPython (@('-m', 'pip', 'install', '--no-index', '--find-links', $Out) + $Built)

    # 6. Try it.
    if ($IsDefaultSample) {
        Invoke-Native $TryPython @('-c', "import aotsample_poc as m; print('add(2, 3) =', m.add(2, 3))")
    } else {
        Write-Host "Installed into $TryVenv; try it with: $TryPython" -ForegroundColor Green
    }
    foreach ($wheel in $Built) { Write-Host "Built and installed: $wheel" -ForegroundColor Green }
} finally {
    Pop-Location
}
