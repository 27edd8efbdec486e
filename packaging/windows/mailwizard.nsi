; mailwizard installer for Windows (NSIS 3).
;
; Installs the one-folder bundle that packaging/mailwizard.spec builds on Windows
; (dist\mailwizard: mailwizard.exe, mailwizard-gui.exe, _internal\) into Program Files, with a
; Start-menu shortcut to the wizard and an uninstaller (Apps & features).
;
; Build (see packaging/README.md):
;   makensis /DDIST=..\..\dist\mailwizard /DVERSION=0.1.0 packaging\windows\mailwizard.nsi
;
; Silent install, optionally configuring mail from an answers file:
;   mailwizard-0.1.0-setup.exe /S [/ANSWERS=C:\path\answers.toml] [/LOG=C:\path\install.log]
;                                 [/D=C:\Program Files\mailwizard]        (/D last, no quotes)
; With /ANSWERS the installer runs  "$INSTDIR\mailwizard.exe" apply --answers "<file>"  after
; installing, appends its output and exit code to the install log (default
; $INSTDIR\install.log) and exits with that exit code (0 = configured; see README.md for the
; others). An answers file that does not exist stops the installer before it installs anything,
; with exit code 2.

Unicode true
ManifestDPIAware true

!ifndef DIST
  !error "Give the bundle folder: makensis /DDIST=path\to\dist\mailwizard mailwizard.nsi"
!endif
!if ! /FileExists "${DIST}\mailwizard.exe"
  !error "${DIST}\mailwizard.exe not found: build the bundle with PyInstaller first"
!endif
!if ! /FileExists "${DIST}\mailwizard-gui.exe"
  !error "${DIST}\mailwizard-gui.exe not found: build the bundle on Windows (the spec makes it there)"
!endif
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "mailwizard-${VERSION}-setup.exe"
!endif

!define APP_ID "org.mailwizard.MailWizard"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include x64.nsh

Name "mailwizard"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\mailwizard"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
ShowInstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "mailwizard"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "mailwizard installer"
VIAddVersionKey "LegalCopyright" "MIT License"

; No "run mailwizard now" on the last page: started from this elevated installer, the wizard
; would run as the administrator and keep the password in the administrator's Credential
; Manager instead of the user's.
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var Answers  ; full path of the answers file, or empty
Var LogPath

Function .onInit
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
  SetShellVarContext all
  ${GetParameters} $R0

  ClearErrors
  ${GetOptions} $R0 "/ANSWERS=" $Answers
  ${If} ${Errors}
    StrCpy $Answers ""
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/LOG=" $LogPath
  ${If} ${Errors}
    StrCpy $LogPath ""
  ${EndIf}

  ${If} $Answers != ""
    ; mailwizard runs in $INSTDIR later: a relative path must mean where the installer started
    GetFullPathName $Answers $Answers
    ${IfNot} ${FileExists} $Answers
      MessageBox MB_ICONSTOP "The answers file $\"$Answers$\" does not exist. Nothing was installed." /SD IDOK
      SetErrorLevel 2
      Quit
    ${EndIf}
  ${EndIf}
  ${If} $LogPath != ""
    GetFullPathName $LogPath $LogPath
  ${EndIf}
FunctionEnd

Function un.onInit
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
  SetShellVarContext all
FunctionEnd

Section "mailwizard" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; an older version's libraries must not mix with this one's
  RMDir /r "$INSTDIR\_internal"
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\mailwizard.lnk" "$INSTDIR\mailwizard-gui.exe" "" \
    "$INSTDIR\mailwizard-gui.exe" 0 SW_SHOWNORMAL "" "Set up and test the outgoing email of your ERP"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "mailwizard"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "The mailwizard developers"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\mailwizard-gui.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0

  ${If} $Answers != ""
    Call ApplyAnswers
  ${EndIf}
SectionEnd

; Runs `mailwizard apply --answers <file>`; its output and exit code go to the install log, and
; its exit code becomes the installer's.
Function ApplyAnswers
  ${If} $LogPath == ""
    StrCpy $LogPath "$INSTDIR\install.log"
  ${EndIf}
  ${GetTime} "" "L" $0 $1 $2 $3 $4 $5 $6
  FileOpen $R9 $LogPath a
  FileSeek $R9 0 END
  FileWrite $R9 "$2-$1-$0 $4:$5:$6 mailwizard ${VERSION} installed in $INSTDIR$\r$\n"
  FileWrite $R9 "Running: mailwizard apply --answers $\"$Answers$\"$\r$\n"
  FileClose $R9

  DetailPrint "Configuring mail with $Answers"
  ; cmd only to send the output to the log; nsExec keeps its window hidden. cmd drops the
  ; first and the last quote of the command line after /c.
  nsExec::Exec '"$SYSDIR\cmd.exe" /d /c ""$INSTDIR\mailwizard.exe" apply --answers "$Answers" >>"$LogPath" 2>&1"'
  Pop $0  ; the exit code, or "error" if the command could not be started
  ${If} $0 == "error"
  ${OrIf} $0 == "timeout"
    StrCpy $1 "could not run mailwizard.exe ($0)"
    StrCpy $0 1
  ${Else}
    StrCpy $1 "mailwizard apply exit code $0"
  ${EndIf}

  FileOpen $R9 $LogPath a
  FileSeek $R9 0 END
  FileWrite $R9 "$1$\r$\n"
  FileClose $R9
  DetailPrint "$1 (details: $LogPath)"
  ${If} $0 != 0
    MessageBox MB_ICONEXCLAMATION "mailwizard was installed, but setting up mail failed ($1). Details: $LogPath" /SD IDOK
  ${EndIf}
  SetErrorLevel $0
FunctionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\mailwizard.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\mailwizard.exe"
  Delete "$INSTDIR\mailwizard-gui.exe"
  Delete "$INSTDIR\install.log"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; The user's settings file and the password in Credential Manager stay: they belong to the
  ; user, and the ERP may still be using them.
SectionEnd
