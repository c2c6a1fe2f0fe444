# The dashboard's translations, one row per text with every language side by side: edit the table, then run
#   python3 scripts/dashboard-texts.py src/Lifecycle/Dashboard/Localization
# to write Text.ja.resx, Text.ko.resx and Text.es.resx (English is the key itself).
import sys, html
T = [
 # key, ja, ko, es
 ("Overview", "概要", "개요", "Resumen"),
 ("Contacts", "コンタクト", "연락처", "Contactos"),
 ("Users", "ユーザー", "사용자", "Usuarios"),
 ("Sign out", "サインアウト", "로그아웃", "Cerrar sesión"),
 ("Sign in", "サインイン", "로그인", "Iniciar sesión"),
 ("Language", "言語", "언어", "Idioma"),
 ("Change", "変更", "변경", "Cambiar"),
 ("admin", "管理者", "관리자", "administración"),
 ("marketing", "マーケティング", "마케팅", "marketing"),
 ("sales", "営業", "영업", "ventas"),
 ("viewer", "閲覧者", "열람자", "lectura"),
 ("Overview · {0}", "概要 · {0}", "개요 · {0}", "Resumen · {0}"),
 ("Month", "月", "월", "Mes"),
 ("Show", "表示", "보기", "Ver"),
 ("Attract", "集客 (Attract)", "유입 (Attract)", "Atraer"),
 ("Capture", "獲得 (Capture)", "획득 (Capture)", "Captar"),
 ("Nurture", "育成 (Nurture)", "육성 (Nurture)", "Nutrir"),
 ("Convert", "商談化 (Convert)", "전환 (Convert)", "Convertir"),
 ("Expand", "拡大 (Expand)", "확장 (Expand)", "Expandir"),
 ("inquiries", "問い合わせ", "문의", "consultas"),
 ("MQLs", "MQL", "MQL", "MQL"),
 ("SQLs", "SQL", "SQL", "SQL"),
 ("visits", "訪問", "방문", "visitas"),
 ("unique visitors", "ユニーク訪問者", "순 방문자", "visitantes únicos"),
 ("of visitors became inquiries", "の訪問者が問い合わせに", "의 방문자가 문의로 전환", "de los visitantes pasó a consulta"),
 ("per inquiry", "問い合わせ単価", "문의당 비용", "por consulta"),
 ("new leads", "新規リード", "신규 리드", "leads nuevos"),
 ("per MQL", "MQL単価", "MQL당 비용", "por MQL"),
 ("new customers", "新規顧客", "신규 고객", "clientes nuevos"),
 ("average deal size", "平均受注額", "평균 거래 규모", "importe medio por venta"),
 ("churn", "解約率", "이탈률", "tasa de bajas"),
 ("upsell and cross-sell share of bookings", "受注に占めるアップセル・クロスセル", "예약 중 업셀·크로스셀 비중", "de las ventas en upsell y cross-sell"),
 ("NPS", "NPS", "NPS", "NPS"),
 ("{0} against {1}", "{1}比 {0}", "{1} 대비 {0}", "{0} frente a {1}"),
 ("no change", "変化なし", "변화 없음", "sin cambios"),
 ("new", "新規", "신규", "nuevo"),
 ("Contacts in each status now", "現在のステータス別コンタクト数", "현재 상태별 연락처 수", "Contactos en cada estado ahora"),
 ("Name or e-mail", "名前またはメール", "이름 또는 이메일", "Nombre o correo"),
 ("Search", "検索", "검색", "Buscar"),
 ("Any status", "すべてのステータス", "모든 상태", "Cualquier estado"),
 ("Status", "ステータス", "상태", "Estado"),
 ("{0} contacts", "{0} 件のコンタクト", "연락처 {0}명", "{0} contactos"),
 ("{0} contacts, the first {1} shown", "{0} 件のコンタクト（先頭 {1} 件を表示）", "연락처 {0}명 (처음 {1}명 표시)", "{0} contactos, se muestran los primeros {1}"),
 ("Name", "名前", "이름", "Nombre"),
 ("E-mail", "メール", "이메일", "Correo"),
 ("Account", "アカウント", "계정", "Cuenta"),
 ("Source", "リードソース", "유입 경로", "Origen"),
 ("Created", "作成日", "생성일", "Creado"),
 ("No such contact", "コンタクトが見つかりません", "연락처를 찾을 수 없습니다", "No existe ese contacto"),
 ("Back to contacts", "コンタクト一覧へ戻る", "연락처 목록으로", "Volver a contactos"),
 ("Title", "役職", "직함", "Cargo"),
 ("Lead source", "リードソース", "리드 소스", "Origen del lead"),
 ("Timeline", "タイムライン", "타임라인", "Cronología"),
 ("When ({0})", "日時 ({0})", "일시 ({0})", "Cuándo ({0})"),
 ("What", "内容", "내용", "Qué"),
 ("Detail", "詳細", "상세", "Detalle"),
 ("Password", "パスワード", "비밀번호", "Contraseña"),
 ("The e-mail or the password is wrong.", "メールアドレスまたはパスワードが正しくありません。", "이메일 또는 비밀번호가 올바르지 않습니다.", "El correo o la contraseña no son correctos."),
 ("Role", "ロール", "역할", "Rol"),
 ("Since", "登録日", "등록일", "Desde"),
 ("Add a user", "ユーザーを追加", "사용자 추가", "Añadir un usuario"),
 ("Password (at least {0} characters)", "パスワード（{0} 文字以上）", "비밀번호 ({0}자 이상)", "Contraseña (al menos {0} caracteres)"),
 ("A name and a valid e-mail are required.", "名前と有効なメールアドレスが必要です。", "이름과 올바른 이메일이 필요합니다.", "Se necesitan un nombre y un correo válido."),
 ("Not added: {0}.", "追加できません: {0}。", "추가하지 못했습니다: {0}.", "No se añadió: {0}."),
 ("{0} can now sign in as {1}.", "{0} は {1} としてサインインできます。", "{0} 님은 이제 {1}(으)로 로그인할 수 있습니다.", "{0} ya puede iniciar sesión como {1}."),
 ("Add user", "ユーザーを追加", "사용자 추가", "Añadir usuario"),
 ("Not allowed", "権限がありません", "권한이 없습니다", "No permitido"),
 ("Your role cannot open this page. Ask an admin if you need it.", "このロールではこのページを開けません。必要な場合は管理者に依頼してください。", "현재 역할로는 이 페이지를 열 수 없습니다. 필요하면 관리자에게 요청하세요.", "Tu rol no puede abrir esta página. Pídeselo a un administrador si la necesitas."),
]
keys = [t[0] for t in T]
assert len(keys) == len(set(keys)), "duplicate key"
head = '''<?xml version="1.0" encoding="utf-8"?>
<root>
  <resheader name="resmimetype"><value>text/microsoft-resx</value></resheader>
  <resheader name="version"><value>2.0</value></resheader>
  <resheader name="reader"><value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
  <resheader name="writer"><value>System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
'''
for i, lang in enumerate(["ja", "ko", "es"], start=1):
    with open(f"{sys.argv[1]}/Text.{lang}.resx", "w", encoding="utf-8") as f:
        f.write(head)
        for row in T:
            f.write(f'  <data name="{html.escape(row[0], quote=True)}" xml:space="preserve"><value>{html.escape(row[i], quote=False)}</value></data>\n')
        f.write("</root>\n")
print(len(T), "texts")
