; Inno Setup script of the Windows installer (Inno Setup 6). Build on Windows, after
; `python dev.py package` has made dist\release-manager\:
;   iscc packaging\windows\release-manager.iss
; The installer lands in dist\. Sign it (and dist\release-manager\release-manager.exe
; before) with signtool when a code-signing certificate is at hand.

#define AppName "Release Manager"
#define AppVersion "0.1.0"
#define AppExe "release-manager.exe"
#define Root "..\.."

[Setup]
; The AppId identifies the app to upgrades and the uninstaller: never change it.
AppId={{6F1D3C2A-8E54-4B7A-9C1E-2A7D5B0E4F91}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The Release Manager developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
SetupIconFile={#Root}\resources\icons\org.releasemanager.ReleaseManager.ico
LicenseFile={#Root}\packaging\licenses\README.md
OutputDir={#Root}\dist
OutputBaseFilename=release-manager-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\dist\release-manager\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Licences and notices"; Filename: "{app}\_internal\licenses"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
